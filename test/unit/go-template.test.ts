// The --format template subset, against what Go's text/template (with Docker's functions) prints.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseTemplate, TemplateError } from '../../src/cli/go-template.js';

const render = (template: string, data: unknown): string => parseTemplate(template).execute(data);

const container = {
  ID: 'abc123',
  Names: 'web',
  State: { Pid: 42, Status: 'running', Running: true },
  Config: { Env: ['PATH=/bin', 'A=1'], Labels: { 'com.example.role': 'db', tier: 'back' } },
  Mounts: [
    { Source: '/a', Destination: '/x' },
    { Source: '/b', Destination: '/y' },
  ],
  Empty: [],
  Label: (key: string) => ({ tier: 'back' })[key] ?? '',
};

describe('go-template', () => {
  it('prints fields, nested fields and text around them', () => {
    assert.equal(render('{{.ID}}', container), 'abc123');
    assert.equal(render('pid={{.State.Pid}} ({{.State.Status}})', container), 'pid=42 (running)');
    assert.equal(render('no actions', container), 'no actions');
  });

  it('prints values as Go does: lists, maps, booleans, missing map keys', () => {
    assert.equal(render('{{.Config.Env}}', container), '[PATH=/bin A=1]');
    assert.equal(render('{{.Config.Labels}}', container), 'map[com.example.role:db tier:back]');
    assert.equal(render('{{.State.Running}}', container), 'true');
    assert.equal(render('{{index .Config.Labels "nope"}}', container), '<no value>');
  });

  it('has json, join, upper, lower, len, index, printf, split, truncate', () => {
    assert.equal(render('{{json .State}}', container), '{"Pid":42,"Status":"running","Running":true}');
    assert.equal(render('{{json .}}', { a: [1, 'b'] }), '{"a":[1,"b"]}');
    assert.equal(render('{{join .Config.Env ","}}', container), 'PATH=/bin,A=1');
    assert.equal(render('{{upper .Names}} {{lower "ABC"}}', container), 'WEB abc');
    assert.equal(render('{{len .Mounts}}', container), '2');
    assert.equal(render('{{index .Config.Labels "com.example.role"}}', container), 'db');
    assert.equal(render('{{index .Mounts 1}}', container), 'map[Destination:/y Source:/b]');
    assert.equal(render('{{printf "%s:%d|%5s|%-4s|" .Names .State.Pid "ab" "c"}}', container), 'web:42|   ab|c   |');
    assert.equal(render('{{split "a:b" ":"}}', container), '[a b]');
    assert.equal(render('{{truncate .ID 3}}', container), 'abc');
  });

  it('passes a pipeline\'s value as the last argument', () => {
    assert.equal(render('{{.Names | upper}}', container), 'WEB');
    assert.equal(render('{{.Config.Env | len | printf "%d vars"}}', container), '2 vars');
    assert.equal(render('{{(index .Mounts 0).Source}}', container), '/a');
    assert.equal(render('{{len (index .Config.Labels "tier")}}', container), '4');
  });

  it('calls a method field with arguments (ps\'s .Label "key")', () => {
    assert.equal(render('{{.Label "tier"}}', container), 'back');
  });

  it('has if/else if/else, range with else, with', () => {
    assert.equal(render('{{if .State.Running}}up{{else}}down{{end}}', container), 'up');
    assert.equal(render('{{if .Empty}}some{{else if eq .Names "web"}}web{{else}}other{{end}}', container), 'web');
    assert.equal(render('{{range .Mounts}}{{.Source}}->{{.Destination}};{{end}}', container), '/a->/x;/b->/y;');
    assert.equal(render('{{range .Empty}}x{{else}}none{{end}}', container), 'none');
    assert.equal(render('{{range .Config.Labels}}[{{.}}]{{end}}', container), '[db][back]');
    assert.equal(render('{{with .State}}{{.Pid}}{{end}}', container), '42');
    assert.equal(render('{{with .Empty}}x{{else}}empty{{end}}', container), 'empty');
  });

  it('compares and combines: eq ne lt gt not and or', () => {
    assert.equal(render('{{eq .State.Pid 42}} {{ne .Names "web"}} {{lt 1 2}} {{gt 1 2}}', container), 'true false true false');
    assert.equal(render('{{not .Empty}} {{and .Names .Empty}} {{or .Empty .Names}}', container), 'true [] web');
  });

  it('trims with {{- and -}} and skips comments', () => {
    assert.equal(render('a  {{- .Names -}}  b{{/* note */}}', container), 'awebb');
    assert.equal(render('{{range .Mounts -}}\n  {{.Source}}\n{{- end}}', container), '/a/b');
  });

  it('refuses what it cannot do, with a clear error, at parse or execution', () => {
    for (const bad of ['{{.ID', '{{if .ID}}x', '{{end}}', '{{nosuch .ID}}', '{{$x := .ID}}', '{{template "x"}}', '{{"unterminated}}', '{{.ID | }}']) {
      assert.throws(() => render(bad, container), TemplateError, bad);
    }
    assert.throws(() => render('{{.Nope}}', container), /can't evaluate field Nope/);
    assert.throws(() => render('{{.ID.Deeper}}', container), /can't evaluate field Deeper in type string/);
    assert.throws(() => render('{{range .ID}}x{{end}}', container), /range can't iterate/);
  });
});
