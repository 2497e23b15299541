import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attribute,
  decodeEntities,
  MAX_TAG_CHARS,
  readAttributes,
  type XmlHandler,
  XmlScanner,
} from './xml-scanner.ts';

/** Records what the scanner reports; wants text everywhere. */
function recorder(): XmlHandler & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    wantText: true,
    open(name, source, start, end) {
      const id = attribute(source, start, end, 'id');
      events.push(id === undefined ? `<${name}>` : `<${name} id=${id}>`);
    },
    close(name) {
      events.push(`</${name}>`);
    },
    text(text) {
      // Text may arrive in pieces; merge neighbours so chunkings compare equal.
      const last = events.length - 1;
      if (events[last]?.startsWith('"')) events[last] = `${events[last]!.slice(0, -1)}${text}"`;
      else events.push(`"${text}"`);
    },
  };
}

const DOC =
  '<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- a > comment --><x:root xmlns:x="urn:x" r:id="r1">' +
  '<a id=\'q"1>\' other="2 > 1">A &amp; B &lt;C&gt; &#65;&#x42;&#x1F600;</a><b/><c id="e&quot;"/>' +
  '<![CDATA[<not a tag> & raw]]><d>line1\r\nline2\rline3</d><!DOCTYPE z [ <!ENTITY e "x"> ]></x:root>';

describe('XmlScanner', () => {
  it('reports elements by local name, attributes, and decoded text', () => {
    const handler = recorder();
    new XmlScanner(handler).write(DOC);
    expect(handler.events).toEqual([
      '"\n"',
      '<root id=r1>',
      '<a id=q"1>>',
      '"A & B <C> AB😀"',
      '</a>',
      '<b>',
      '</b>',
      '<c id=e">',
      '</c>',
      '"<not a tag> & raw"',
      '<d>',
      '"line1\nline2\nline3"',
      '</d>',
      '</root>',
    ]);
  });

  it('gives the same result however the text is cut into chunks', () => {
    const whole = recorder();
    new XmlScanner(whole).write(DOC);
    for (const size of [1, 2, 3, 7, 13]) {
      const handler = recorder();
      const scanner = new XmlScanner(handler);
      for (let i = 0; i < DOC.length; i += size) scanner.write(DOC.slice(i, i + size));
      expect(handler.events).toEqual(whole.events);
    }
  });
});

/** Scans `text` cut at `cuts`; returns the events, or the error message. */
function scanCut(text: string, cuts: number[]): string[] | string {
  const handler = recorder();
  const scanner = new XmlScanner(handler);
  try {
    let from = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      scanner.write(text.slice(from, cut));
      from = cut;
    }
    scanner.write(text.slice(from));
    scanner.end();
  } catch (error) {
    return (error as Error).message;
  }
  return handler.events;
}

describe('XmlScanner: state carried across chunks', () => {
  it('gives the same events at any cut points, in every construct (property)', () => {
    const unit = fc.constantFrom(
      '<a id="x>y">',
      '</a>',
      '<b/>',
      '<!-- c -- > -->',
      '<?pi ? >?>',
      '<![CDATA[ ]] ] > ]]>',
      '<!DOCTYPE d [ <!ENTITY e "]"> ]>',
      'text',
      '&amp;',
      '&#x1F600;',
      '\r\n',
      '\r',
      ' & ',
    );
    fc.assert(
      fc.property(
        fc.array(unit, { maxLength: 25 }).map((parts) => `<r>${parts.join('')}</r>`),
        fc.array(fc.nat(), { maxLength: 8 }),
        (text, cuts) => {
          expect(
            scanCut(
              text,
              cuts.map((c) => c % (text.length + 1)),
            ),
          ).toEqual(scanCut(text, []));
        },
      ),
      { numRuns: 2000, seed: 2024 },
    );
  });

  it('skips a long comment fed in small chunks and reads on after it', () => {
    const comment = 'x'.repeat(2_000_000);
    const text = `<r><!--${comment}--><a id="1"/></r>`;
    const cuts = Array.from({ length: Math.floor(text.length / 1000) }, (_, i) => (i + 1) * 1000);
    expect(scanCut(text, cuts)).toEqual(['<r>', '<a id=1>', '</a>', '</r>']);
  });

  it('hands a long wanted text over in pieces as it arrives, whole in the end', () => {
    const value = 'v'.repeat(100_000);
    const text = `<t>${value}</t>`;
    const cuts = Array.from({ length: 100 }, (_, i) => (i + 1) * 1000);
    expect(scanCut(text, cuts)).toEqual(['<t>', `"${value}"`, '</t>']);
  });

  it('says when the XML ends inside a comment, a tag or a CDATA section', () => {
    expect(scanCut('<r><!-- never closed', [10])).toBe('the XML ends inside a comment');
    expect(scanCut('<r><a id="1', [5])).toBe('the XML ends inside a tag');
    expect(scanCut('<r><![CDATA[ x', [])).toBe('the XML ends inside a CDATA section');
    expect(scanCut('<r></r', [])).toBe('the XML ends inside a closing tag');
    expect(scanCut('<r></r>\n', [])).toEqual(['<r>', '</r>', '"\n"']);
  });

  it('refuses a tag longer than MAX_TAG_CHARS', () => {
    const text = `<r><a id="${'z'.repeat(MAX_TAG_CHARS)}"/></r>`;
    expect(scanCut(text, [100, 200_000])).toBe('an XML tag longer than 1,048,576 characters');
  });
});

describe('readAttributes', () => {
  it('reads attributes by local name, skipping namespace declarations', () => {
    const tag = 'sheet xmlns:id="urn:no" name="R&amp;D" sheetId="3" r:id="rId7"';
    const out: (string | undefined)[] = [];
    readAttributes(tag, 5, tag.length, ['name', 'id', 'state'], out);
    expect(out).toEqual(['R&D', 'rId7', undefined]);
  });

  it('decodes only the XML entities and character references', () => {
    expect(decodeEntities('a &amp;amp; &unknown; &#9;')).toBe('a &amp; &unknown; \t');
  });
});
