import { describe, expect, it, test } from 'vitest';
import { normalizeText, textHash, tokenize } from './normalize.js';

describe('normalizeText', () => {
  test.each([
    ['lower-cases and strips punctuation', 'The LEAKED docs: "read them"!', 'the leaked docs read them'],
    ['collapses whitespace', '  one \n\n two\t three  ', 'one two three'],
    ['removes a leading retweet marker', 'RT @trade_watch: NHS is on the table', 'nhs is on the table'],
    ['removes chained retweet markers', 'RT @a: RT @b: text here', 'text here'],
    ['removes links', 'read this https://t.co/AbC123 and www.example.com/x?y=1 now', 'read this and now'],
    ['removes mentions but keeps e-mail addresses apart', '@bob @carol look at a@b.com', 'look at a b com'],
    ['keeps the word of a hashtag', 'Sold out #NHSforSale #leak', 'sold out nhsforsale leak'],
    ['joins apostrophes inside a word', "don't they’re rock'n'roll 'quoted'", 'dont theyre rocknroll quoted'],
    ['decodes nothing but drops HTML entities', 'this &amp; that &#39;x&#39;', 'this that x'],
    ['folds full-width, styled and circled letters (NFKC)', 'ｌｅａｋ 𝐥𝐞𝐚𝐤 Ⓛⓔⓐⓚ ＬＥＡＫ', 'leak leak leak leak'],
    ['ignores zero-width characters inside a word', 'le\u200bak sec\u00adret', 'leak secret'],
    ['composes a letter with its combining accent', 'cafe\u0301 café', 'café café'],
    ['splits scripts written without spaces into characters', '東京は晴れ', '東 京 は 晴 れ'],
    ['keeps other scripts whole', 'Утечка документов', 'утечка документов'],
    ['gives nothing for a text of links and punctuation', 'https://t.co/x ... !!!', ''],
  ])('%s', (_, input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });
});

describe('tokenize', () => {
  it('gives offsets into the original text', () => {
    const text = 'RT @x: The Leaked “memo” — see https://t.co/q, 𝐥𝐞𝐚𝐤𝐞𝐝 café!';
    const tokens = tokenize(text);
    expect(tokens.map((t) => text.slice(t.start, t.end))).toEqual(['The', 'Leaked', 'memo', 'see', '𝐥𝐞𝐚𝐤𝐞𝐝', 'café']);
    expect(tokens.map((t) => t.text)).toEqual(['the', 'leaked', 'memo', 'see', 'leaked', 'café']);
  });

  it('tokenises ASCII the same whether or not the text has other characters', () => {
    const ascii = "RT @a: It's the U.S.-UK trade talks, 451 pages (leaked) #NHS @b www.x.org";
    const mixed = `${ascii} é`;
    expect(tokenize(mixed).slice(0, -1)).toEqual(tokenize(ascii));
  });

  it('keeps the offsets of a word split by a zero-width space', () => {
    const text = 'a le\u200bak b';
    expect(tokenize(text)[1]).toEqual({ text: 'leak', start: 2, end: 7 });
  });
});

describe('textHash', () => {
  it('is 32 hex characters, the same for texts that normalise alike', () => {
    const a = textHash(normalizeText('The leaked memo!'));
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(textHash(normalizeText('RT @x: the LEAKED memo'))).toBe(a);
    expect(textHash(normalizeText('the leaked memos'))).not.toBe(a);
  });
});
