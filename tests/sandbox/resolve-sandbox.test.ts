/**
 * resolveSandbox: the mode it picks, when it refuses, the warning, the layers it reports.
 */
import { describeLayers, probeHost, resolveSandbox, SandboxConfigError, SandboxUnavailableError, modeAvailability, resolveLimits } from '../../grader/sandbox';

const osIsolation = process.platform === 'linux' && (modeAvailability('bwrap').available || modeAvailability('unshare').available);

describe('resolveSandbox', () => {
  const saved = process.env.GRADER_SANDBOX;
  afterEach(() => {
    if (saved === undefined) delete process.env.GRADER_SANDBOX;
    else process.env.GRADER_SANDBOX = saved;
  });

  (osIsolation ? it : it.skip)('takes the best OS isolation that works here, and reports it active', () => {
    delete process.env.GRADER_SANDBOX;
    const sandbox = resolveSandbox({ require: true, allowInsecure: false });
    expect(sandbox.isolated).toBe(true);
    expect(sandbox.mode).toBe(modeAvailability('bwrap').available ? 'bwrap' : 'unshare');
    expect(sandbox.warning).toBeUndefined();
    const active = new Map(sandbox.layers.map((l) => [l.id, l.active]));
    expect(active.get('namespaces')).toBe(true);
    expect(active.get('permissions')).toBe(true);
    expect(active.get('environment')).toBe(true);
  });

  it('refuses untrusted code without OS isolation, naming the way out', () => {
    expect(() => resolveSandbox({ require: true, allowInsecure: false, mode: 'none' })).toThrow(SandboxUnavailableError);
    expect(() => resolveSandbox({ require: true, allowInsecure: false, mode: 'none' })).toThrow(/--insecure-no-sandbox/);
  });

  it('runs without OS isolation when allowed, with a one-line warning', () => {
    for (const options of [
      { require: true, allowInsecure: true },
      { require: false, allowInsecure: false },
    ]) {
      const sandbox = resolveSandbox({ ...options, mode: 'none' });
      expect(sandbox.isolated).toBe(false);
      expect(sandbox.mode).toBe('none');
      expect(sandbox.warning).toMatch(/^warning: submissions run without an OS sandbox/);
      expect(sandbox.warning).not.toContain('\n');
      expect(sandbox.layers.find((l) => l.id === 'namespaces')?.active).toBe(false);
      expect(sandbox.layers.find((l) => l.id === 'permissions')?.active).toBe(probeHost().permission.flag !== undefined);
    }
  });

  it('reads GRADER_SANDBOX and rejects a value it does not know', () => {
    process.env.GRADER_SANDBOX = 'none';
    expect(resolveSandbox({ require: false, allowInsecure: true }).mode).toBe('none');
    process.env.GRADER_SANDBOX = 'docker';
    expect(() => resolveSandbox({ require: false, allowInsecure: true })).toThrow(SandboxConfigError);
  });

  it('validates its limits', () => {
    expect(() => resolveSandbox({ require: false, allowInsecure: true, mode: 'none', limits: { openFiles: 3 } })).toThrow(/openFiles/);
    expect(resolveLimits({ memoryMb: 300 }).memoryMb).toBe(300);
  });

  it('reports the permission model as off when turned off', () => {
    const sandbox = resolveSandbox({ require: false, allowInsecure: true, mode: 'none', permissionModel: false });
    expect(sandbox.layers.find((l) => l.id === 'permissions')).toMatchObject({ active: false, detail: 'turned off' });
  });

  it('describes every layer with an id, a name and a detail', () => {
    const host = probeHost();
    const layers = describeLayers(host, {
      mode: 'none',
      tools: host.tools,
      root: host.root,
      dropUid: false,
      limits: resolveLimits(),
      permissionModel: true,
      frozenIntrinsics: true,
    });
    const ids = layers.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['process', 'bwrap', 'namespaces', 'uid', 'filesystem', 'permissions', 'rlimits', 'memory', 'environment', 'output']));
    for (const l of layers) expect(l.name.length * l.detail.length).toBeGreaterThan(0);
  });
});
