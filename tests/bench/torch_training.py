#!/usr/bin/env python3
"""PyTorch side of the training-throughput benchmark.

Usage: torch_training.py '<TrainingCaseConfig as JSON>'

Trains the same model as tests/bench/training-models.ts (the lecture's MLP, or the small CNN)
with the same batch, loss, optimiser and timing rules (tests/bench/training-loop.ts), and
prints one Measurement as a single JSON line on stdout (schema: training-protocol.ts).

Fairness: torch.set_num_threads(1) and set_num_interop_threads(1), because tfjs-backend-wasm
in Node runs on one thread. OpenBLAS settings are deliberately left as they are (no
OPENBLAS_NUM_THREADS here); `cpuPerWall` and `osThreads` in the output show whether a BLAS
call still ran on more than one thread. Images are NCHW, PyTorch's own layout.
"""
import json
import statistics
import sys
import time
import traceback


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def os_threads():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def build_model(torch, kind):
    nn = torch.nn
    if kind == "mlp":
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 100),
            nn.ReLU(),
            nn.Linear(100, 10),
        )
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 10),
    )


def run_loop(step, cfg, on_phase):
    """Warm-up then timed rounds, exactly as runTrainingLoop in training-loop.ts."""
    on_phase("warm-up")
    warm_start = time.perf_counter()
    warmup_steps = 0
    loss_first = float("nan")
    while True:
        loss = step()
        if warmup_steps == 0:
            loss_first = loss
        warmup_steps += 1
        elapsed = time.perf_counter() - warm_start
        enough = warmup_steps >= cfg["warmupSteps"] and elapsed >= cfg["warmupSeconds"]
        if enough or elapsed >= cfg["warmupMaxSeconds"]:
            break
    warmup_seconds = time.perf_counter() - warm_start

    on_phase("timed")
    rounds = []
    loss_last = float("nan")
    timed_start = time.perf_counter()
    cpu_start = time.process_time()
    while True:
        round_start = time.perf_counter()
        steps = 0
        while True:
            loss_last = step()
            steps += 1
            seconds = time.perf_counter() - round_start
            if seconds >= cfg["roundSeconds"]:
                break
        rounds.append({"steps": steps, "seconds": seconds})
        spent = time.perf_counter() - timed_start
        if len(rounds) >= cfg["maxRounds"]:
            break
        if spent >= cfg["budgetSeconds"] and len(rounds) >= cfg["minRounds"]:
            break
        if spent >= 3 * cfg["budgetSeconds"]:
            break
    wall = time.perf_counter() - timed_start
    cpu_per_wall = (time.process_time() - cpu_start) / wall if wall > 0 else 0.0
    return warmup_steps, warmup_seconds, rounds, cpu_per_wall, loss_first, loss_last


def profile_step(torch, step, top):
    """One step under the autograd profiler, totals per op by self CPU time."""
    start = time.perf_counter()
    with torch.autograd.profiler.profile() as prof:
        step()
    step_wall_ms = (time.perf_counter() - start) * 1000
    averages = list(prof.key_averages())
    totals = [
        {"name": a.key, "ms": a.self_cpu_time_total / 1000.0, "count": int(a.count)}
        for a in averages
        if a.count > 0
    ]
    totals.sort(key=lambda t: (-t["ms"], -t["count"], t["name"]))
    return {
        "source": "torch.autograd.profiler",
        "stepWallMs": step_wall_ms,
        "kernelMsSum": sum(t["ms"] for t in totals),
        "kernelCalls": sum(t["count"] for t in totals),
        "untimedCalls": 0,
        "distinctKernels": len(totals),
        "top": totals[:top],
    }


def main():
    cfg = json.loads(sys.argv[1])
    runtime = {"python": sys.version.split()[0]}
    try:
        import torch
    except Exception as err:  # ImportError, or a broken install failing on import
        emit({"status": "skipped", "reason": "torch not available: %s" % err, "runtime": runtime})
        return

    current = {"phase": "init"}

    def set_phase(name):
        current["phase"] = name

    try:
        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        torch.manual_seed(cfg["seed"])
        runtime.update(
            torch=torch.__version__,
            intraOpThreads=torch.get_num_threads(),
            interOpThreads=torch.get_num_interop_threads(),
            mkldnn=bool(torch.backends.mkldnn.is_available()),
        )

        set_phase("build")
        model = build_model(torch, cfg["model"])
        model.train()
        optimizer = torch.optim.SGD(
            model.parameters(), lr=cfg["learningRate"], momentum=cfg["momentum"]
        )
        gen = torch.Generator().manual_seed(cfg["seed"])
        bs = cfg["batchSize"]
        batches = [
            (
                torch.rand(bs, 1, 28, 28, generator=gen),
                torch.randint(0, 10, (bs,), generator=gen),
            )
            for _ in range(cfg["batches"])
        ]
        loss_fn = torch.nn.CrossEntropyLoss()
        state = {"next": 0}

        def step():
            x, y = batches[state["next"]]
            state["next"] = (state["next"] + 1) % len(batches)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            return loss.item()

        warmup_steps, warmup_seconds, rounds, cpu_per_wall, loss_first, loss_last = run_loop(
            step, cfg, set_phase
        )
        rates = [r["steps"] * bs / r["seconds"] for r in rounds]
        total_steps = sum(r["steps"] for r in rounds)
        total_seconds = sum(r["seconds"] for r in rounds)
        timing = {
            "warmupSteps": warmup_steps,
            "warmupSeconds": warmup_seconds,
            "rounds": rounds,
            "samplesPerSecond": statistics.median(rates),
            "overallSamplesPerSecond": total_steps * bs / total_seconds,
            "cpuPerWall": cpu_per_wall,
            "lossFirst": loss_first,
            "lossLast": loss_last,
        }

        set_phase("profile")
        result = {"status": "ok", "runtime": runtime, "timing": timing}
        try:
            result["profile"] = profile_step(torch, step, cfg["topKernels"])
        except Exception as err:
            result["profileError"] = "%s: %s" % (type(err).__name__, err)
        runtime["osThreads"] = os_threads()
        emit(result)
    except Exception as err:
        emit(
            {
                "status": "failed",
                "phase": current["phase"],
                "reason": "%s: %s" % (type(err).__name__, err),
                "stack": traceback.format_exc(),
                "runtime": runtime,
            }
        )


if __name__ == "__main__":
    main()
