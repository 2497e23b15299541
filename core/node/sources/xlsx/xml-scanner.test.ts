import { describe, expect, it } from 'vitest';
import { attribute, decodeEntities, readAttributes, type XmlHandler, XmlScanner } from './xml-scanner.ts';

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
