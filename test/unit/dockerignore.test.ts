import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { IgnoreRules } from '../../src/build/dockerignore.js';

describe('.dockerignore', () => {
  it('matches paths and everything below a matched directory', () => {
    const rules = new IgnoreRules('# comment\nnode_modules\n/secret.txt\n*.log\n');
    assert.ok(rules.excludes('node_modules'));
    assert.ok(rules.excludes('node_modules/a/b.js'));
    assert.ok(rules.excludes('secret.txt'));
    assert.ok(rules.excludes('x.log'));
    assert.ok(!rules.excludes('sub/x.log'), '* stays within one component');
    assert.ok(!rules.excludes('src/index.js'));
  });

  it('** crosses directories; ? and [] as in Go', () => {
    const rules = new IgnoreRules('**/*.tmp\nfile?.txt\n[ab].md\n');
    assert.ok(rules.excludes('a.tmp'));
    assert.ok(rules.excludes('deep/er/a.tmp'));
    assert.ok(rules.excludes('file1.txt'));
    assert.ok(!rules.excludes('file10.txt'));
    assert.ok(rules.excludes('a.md'));
    assert.ok(!rules.excludes('c.md'));
  });

  it('the last matching pattern wins: ! brings a path back', () => {
    const rules = new IgnoreRules('*.md\n!README.md\ndocs\n!docs/keep.txt\n');
    assert.ok(rules.excludes('a.md'));
    assert.ok(!rules.excludes('README.md'));
    assert.ok(rules.excludes('docs/other.txt'));
    assert.ok(!rules.excludes('docs/keep.txt'));
    assert.ok(rules.mayReinclude('docs'), 'docs must be walked for its exception');
    assert.ok(!new IgnoreRules('docs\n').mayReinclude('docs'));
  });

  it('cleans patterns as Docker does', () => {
    const rules = new IgnoreRules('./a/../b\n\n   \n');
    assert.ok(rules.excludes('b'));
    assert.ok(!rules.excludes('a'));
    assert.ok(new IgnoreRules('').empty);
  });
});
