import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { processWord, processWords, splitRaw, SubstitutionError } from '../../src/build/substitute.js';

const vars = new Map([
  ['NAME', 'world'],
  ['EMPTY', ''],
  ['SPACED', 'a b'],
]);

describe('Dockerfile variable substitution', () => {
  it('substitutes $VAR and ${VAR}; an unset one is empty', () => {
    assert.equal(processWord('hello $NAME!', vars), 'hello world!');
    assert.equal(processWord('${NAME}s', vars), 'worlds');
    assert.equal(processWord('x${UNSET}y$UNSET', vars), 'xy');
    assert.equal(processWord('cost $5 and $', vars), 'cost $5 and $');
  });

  it("has Docker's modifiers: :- - :+ + :?", () => {
    assert.equal(processWord('${UNSET:-dflt}', vars), 'dflt');
    assert.equal(processWord('${EMPTY:-dflt}', vars), 'dflt');
    assert.equal(processWord('${EMPTY-dflt}', vars), '');
    assert.equal(processWord('${NAME:-dflt}', vars), 'world');
    assert.equal(processWord('${NAME:+alt}', vars), 'alt');
    assert.equal(processWord('${EMPTY:+alt}', vars), '');
    assert.equal(processWord('${EMPTY+alt}', vars), 'alt');
    assert.equal(processWord('${UNSET:-$NAME}', vars), 'world', 'the word is substituted too');
    assert.throws(() => processWord('${UNSET:?must be set}', vars), /UNSET: must be set/);
    assert.throws(() => processWord('${NAME', vars), SubstitutionError);
  });

  it('keeps single quotes literal, substitutes in double quotes, removes both, honours the escape', () => {
    assert.equal(processWord("'$NAME'", vars), '$NAME');
    assert.equal(processWord('"$NAME x"', vars), 'world x');
    assert.equal(processWord('\\$NAME', vars), '$NAME');
    assert.equal(processWord('"a\\"b"', vars), 'a"b');
    assert.equal(processWord('`$NAME', vars, '`'), '$NAME');
    assert.throws(() => processWord('"open', vars), SubstitutionError);
  });

  it('splits words on unquoted whitespace only, never inside a value', () => {
    assert.deepEqual(processWords('a  "b c" $SPACED', vars), ['a', 'b c', 'a b']);
    assert.deepEqual(processWords(' x ', vars), ['x']);
  });

  it('splits ENV/LABEL pairs keeping their quotes', () => {
    assert.deepEqual(splitRaw('a=1 b="x y" c=\'$z w\' d=e\\ f'), ['a=1', 'b="x y"', "c='$z w'", 'd=e\\ f']);
  });
});
