import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import semver from 'semver';

/**
 * `npm ci` must keep working from the lockfile on a fresh machine, on every Node we support.
 * These checks fail on the kinds of dependency that broke it before: a dependency that names a
 * dist-tag (`"tar": "latest"` moved to a new major and the lockfile stopped satisfying the tree),
 * an install script that runs without review (it unpacked a tarball with that moving `tar`), a
 * source outside the registry, and a package whose `engines` exclude a supported Node (npm prints
 * EBADENGINE).
 */

interface LockPackage {
  readonly version?: string;
  readonly resolved?: string;
  readonly link?: boolean;
  readonly hasInstallScript?: boolean;
  readonly engines?: Record<string, string> | readonly string[];
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

const root = new URL('../../', import.meta.url);
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  readonly lockfileVersion: number;
  readonly packages: Record<string, LockPackage>;
};
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  readonly engines: { readonly node: string };
  readonly allowScripts?: Record<string, boolean | string>;
};

/** The oldest release of every Node line we support (README, `engines`, `.ci/run`). */
const SUPPORTED_NODE_FLOORS = ['22.13.0', '24.0.0'];

/** Packages whose install scripts were reviewed and may run. Keep it empty if at all possible. */
const REVIEWED_INSTALL_SCRIPTS: ReadonlySet<string> = new Set();

const packageName = (path: string): string => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** A spec npm resolves from the registry by version range (an `npm:` alias must carry one too). */
function isRegistryRange(spec: string): boolean {
  const range = spec.startsWith('npm:') ? spec.slice(spec.lastIndexOf('@') + 1) : spec;
  if (spec.startsWith('npm:') && !spec.slice(4).includes('@', 1)) return false;
  return semver.validRange(range) !== null && !/^[a-z]/i.test(range.trim().replace(/^[xX*](\s|$)/, '0'));
}

function dependencySpecs(pkg: LockPackage): [string, string][] {
  return [pkg.dependencies, pkg.optionalDependencies, pkg.devDependencies, pkg.peerDependencies].flatMap((deps) =>
    Object.entries(deps ?? {}),
  );
}

describe('package-lock.json keeps npm ci reproducible', () => {
  it('is a lockfile v3 with every package locked to a version', () => {
    assert.equal(lock.lockfileVersion, 3);
    for (const [path, pkg] of Object.entries(lock.packages)) {
      if (path === '' || pkg.link === true) continue;
      assert.ok(typeof pkg.version === 'string' && semver.valid(pkg.version) !== null, `${path}: no exact version`);
    }
  });

  it('has no dependency named by a dist-tag, URL, git or file spec', () => {
    const bad: string[] = [];
    for (const [path, pkg] of Object.entries(lock.packages)) {
      for (const [name, spec] of dependencySpecs(pkg)) {
        if (!isRegistryRange(spec)) bad.push(`${path || 'package.json'} → ${name}@${JSON.stringify(spec)}`);
      }
    }
    assert.deepEqual(bad, [], 'replace these dependencies or pin them with "overrides" to a version range');
  });

  it('recognises what counts as a bad spec', () => {
    for (const spec of ['latest', 'next', 'beta', 'git+https://x/y.git', 'file:../x', 'user/repo', 'npm:foo', 'npm:foo@latest']) {
      assert.equal(isRegistryRange(spec), false, spec);
    }
    for (const spec of ['^1.2.3', '~1.2', '>=4', '1.x', '*', 'x', '', '1.2.3 - 2', '^1 || ^2', 'npm:string-width@^4.2.0']) {
      assert.equal(isRegistryRange(spec), true, spec);
    }
  });

  it('downloads nothing from outside the registry', () => {
    for (const [path, pkg] of Object.entries(lock.packages)) {
      if (pkg.resolved === undefined) continue;
      assert.ok(/^https:\/\/[^#]+\/-\/[^/#]+\.tgz$/.test(pkg.resolved), `${path}: resolved from ${pkg.resolved}`);
    }
  });

  it('runs no install script that was not reviewed (package.json "allowScripts")', () => {
    const unreviewed: string[] = [];
    for (const [path, pkg] of Object.entries(lock.packages)) {
      if (pkg.hasInstallScript !== true) continue;
      const name = packageName(path);
      if (manifest.allowScripts?.[name] === false || REVIEWED_INSTALL_SCRIPTS.has(name)) continue;
      unreviewed.push(`${name}@${pkg.version ?? '?'}`);
    }
    assert.deepEqual(unreviewed, [], 'deny them with `npm install-scripts deny <pkg>` (and check the package works without) or replace them');
  });

  it('installs without EBADENGINE on the oldest release of every supported Node line', () => {
    for (const floor of SUPPORTED_NODE_FLOORS) {
      assert.ok(semver.satisfies(floor, manifest.engines.node), `package.json engines exclude ${floor}`);
      for (const [path, pkg] of Object.entries(lock.packages)) {
        const node = Array.isArray(pkg.engines) ? undefined : (pkg.engines as Record<string, string> | undefined)?.node;
        if (node === undefined) continue;
        assert.ok(semver.satisfies(floor, node), `${path} needs node ${node}, which excludes ${floor}`);
      }
    }
    assert.ok(!semver.satisfies('20.19.0', manifest.engines.node), 'engines must not claim end-of-life Node 20');
  });
});
