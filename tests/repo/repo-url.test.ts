import { BadRepoUrlError, findHostRepoPath, redactUrl, repoKey } from '../../grader/repo/repo-url';

describe('repoKey', () => {
  it('gives every spelling of one repository the same key', () => {
    const spellings = [
      'https://github.com/NN2/Alice.git',
      'https://github.com/nn2/alice',
      'https://github.com/nn2/alice/',
      'https://token:x-oauth@github.com/nn2/alice.git',
      'http://github.com:443/nn2/alice.git',
      'git@github.com:nn2/alice.git',
      'ssh://git@github.com/nn2/alice.git',
      'ssh://git@github.com:22/nn2/alice',
      'git://github.com/nn2/alice.git',
    ];
    expect(new Set(spellings.map(repoKey))).toEqual(new Set(['github.com/nn2/alice']));
  });

  it('keeps nested groups (GitLab) and tells hosts apart', () => {
    expect(repoKey('https://gitlab.example.org/course/2025/bob.git')).toBe('gitlab.example.org/course/2025/bob');
    expect(repoKey('https://gitlab.example.org/nn2/alice')).not.toBe(repoKey('https://github.com/nn2/alice'));
  });

  it('keys file-system repositories by absolute path, case kept', () => {
    expect(repoKey('/srv/git/Alice.git')).toBe('file:/srv/git/Alice');
    expect(repoKey('file:///srv/git/Alice.git/')).toBe('file:/srv/git/Alice');
  });

  it('refuses what is not a repository', () => {
    for (const bad of ['', 'ftp://example.org/x', 'https://github.com/', 'just words', 'ext::sh -c evil']) {
      expect(() => repoKey(bad)).toThrow(BadRepoUrlError);
    }
  });

  it('redacts credentials', () => {
    expect(redactUrl('https://oauth2:glpat-SECRET@gitlab.com/a/b.git')).toBe('https://oauth2:***@gitlab.com/a/b.git');
    expect(redactUrl('https://ghp_SECRET@github.com/a/b.git')).toBe('https://***@github.com/a/b.git');
    expect(redactUrl('git@github.com:a/b.git')).toBe('git@github.com:a/b.git');
  });
});

describe('findHostRepoPath', () => {
  it("gives the repository's path on its host, case kept, from every spelling", () => {
    for (const url of [
      'https://github.com/NN2/Alice.git',
      'https://token:x-oauth@github.com/NN2/Alice/',
      'git@github.com:NN2/Alice.git',
      'ssh://git@github.com:22/NN2/Alice',
      'http://127.0.0.1:8080/NN2/Alice.git',
    ]) {
      expect(findHostRepoPath(url)).toBe('NN2/Alice');
    }
    expect(findHostRepoPath('https://gitlab.example.org/course/2025/bob.git')).toBe('course/2025/bob');
  });

  it('has none for a path on this machine or what is not a repository', () => {
    for (const url of ['/srv/git/alice.git', 'file:///srv/git/alice.git', './remotes/alice.git', 'https://github.com/alice', 'ftp://example.org/a/b']) {
      expect(findHostRepoPath(url)).toBeUndefined();
    }
  });
});
