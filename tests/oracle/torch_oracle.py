"""The lecture's computations in PyTorch (float64), for tests/oracle/torch-oracle.test.ts.

Reads one JSON object on stdin and writes one on stdout. Tensors travel as
{"shape": [...], "data": [...]} (row-major). Input:
  autograd:  [{x, y}]                          -> f(x, y) and the gradients of sum(f) by autograd
  backprop:  [{layers: [{W, b}], x, y}]        -> forward (zs, activations) and the gradients of
                                                  L = 1/(2N) sum ||a - y||^2 (deltas via retain_grad)
  steps:     [{params, velocities, grads, lr, momentum, nesterov, dampening}]
                                               -> one torch.optim.SGD step from the given velocities
  schedules: [{params, gradsPerStep, lrs, momentum}]
                                               -> SGD(momentum) over several steps, lr changed between them
  minimize:  [{problem, init, lr, momentum, steps}]
                                               -> the params after `steps` SGD(momentum) steps on the problem
"""
import json
import sys

import torch

torch.set_default_dtype(torch.float64)


def tensor(t, grad=False):
    return torch.tensor(t["data"], dtype=torch.float64).reshape(t["shape"]).requires_grad_(grad)


def plain(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def f(x, y):
    return x ** 2 + x * y + (x + y) ** 2


def autograd(case):
    x, y = tensor(case["x"], True), tensor(case["y"], True)
    value = f(x, y)
    value.sum().backward()
    return {"f": plain(value), "dx": plain(x.grad), "dy": plain(y.grad)}


def backprop(case):
    layers = [(tensor(l["W"], True), tensor(l["b"], True)) for l in case["layers"]]
    x, y = tensor(case["x"]), tensor(case["y"])
    zs, activations = [], [x]
    for W, b in layers:
        z = activations[-1] @ W.T + b
        z.retain_grad()
        zs.append(z)
        activations.append(torch.sigmoid(z))
    loss = ((activations[-1] - y) ** 2).sum() / (2 * x.shape[0])
    loss.backward()
    return {
        "zs": [plain(z) for z in zs],
        "activations": [plain(a) for a in activations],
        "loss": loss.item(),
        "deltas": [plain(z.grad) for z in zs],
        "dW": [plain(W.grad) for W, _ in layers],
        "db": [plain(b.grad) for _, b in layers],
    }


def optimizer_with_velocities(params, velocities, lr, momentum, nesterov=False, dampening=0.0):
    """torch's SGD, its momentum buffers set to the given velocities (torch would start them at g)."""
    opt = torch.optim.SGD(params, lr=lr, momentum=momentum, nesterov=nesterov, dampening=dampening)
    for p, v in zip(params, velocities):
        opt.state[p]["momentum_buffer"] = v.clone()
    return opt


def step(case):
    params = [tensor(p, True) for p in case["params"]]
    velocities = [tensor(v) for v in case["velocities"]]
    opt = optimizer_with_velocities(params, velocities, case["lr"], case["momentum"], case["nesterov"], case["dampening"])
    for p, g in zip(params, case["grads"]):
        p.grad = tensor(g)
    opt.step()
    if case["momentum"] == 0:
        # torch keeps no buffer without momentum; the lecture's v = 0·v + g is the gradient.
        velocities = [p.grad for p in params]
    else:
        velocities = [opt.state[p]["momentum_buffer"] for p in params]
    return {"params": [plain(p) for p in params], "velocities": [plain(v) for v in velocities]}


def schedule(case):
    params = [tensor(p, True) for p in case["params"]]
    velocities = [torch.zeros_like(p) for p in params]
    opt = optimizer_with_velocities(params, velocities, case["lrs"][0], case["momentum"])
    for lr, grads in zip(case["lrs"], case["gradsPerStep"]):
        for group in opt.param_groups:
            group["lr"] = lr
        for p, g in zip(params, grads):
            p.grad = tensor(g)
        opt.step()
    return {"params": [plain(p) for p in params]}


def loss_of(problem, params):
    if problem["kind"] == "quadratic":
        A, b = torch.tensor(problem["A"]), torch.tensor(problem["b"])
        w, c = params
        return 0.5 * ((A @ w - b) ** 2).sum() + 0.5 * problem["k"] * (c - problem["c0"]) ** 2
    x, y = params
    return (problem["a"] - x) ** 2 + problem["b"] * (y - x ** 2) ** 2


def minimize(case):
    params = [tensor(p, True) for p in case["init"]]
    # From zero velocity, like the exercise (torch itself starts the buffer at the first gradient,
    # which is the same thing: v1 = 0·β + g0).
    opt = torch.optim.SGD(params, lr=case["lr"], momentum=case["momentum"])
    for _ in range(case["steps"]):
        opt.zero_grad()
        loss_of(case["problem"], params).backward()
        opt.step()
    return {"params": [plain(p) for p in params]}


def main():
    request = json.load(sys.stdin)
    json.dump(
        {
            "torch": torch.__version__,
            "autograd": [autograd(c) for c in request.get("autograd", [])],
            "backprop": [backprop(c) for c in request.get("backprop", [])],
            "steps": [step(c) for c in request.get("steps", [])],
            "schedules": [schedule(c) for c in request.get("schedules", [])],
            "minimize": [minimize(c) for c in request.get("minimize", [])],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
