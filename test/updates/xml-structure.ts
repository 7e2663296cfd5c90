/**
 * Feeds parsed with a maintained XML parser (fast-xml-parser): the document must validate as
 * well-formed XML with one root element, which becomes a small tree the tests can walk.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
});

function toElement(node: OrderedNode): XmlElement {
  const name = Object.keys(node).find((key) => key !== ':@')!;
  const content = node[name] as OrderedNode[];
  const element: XmlElement = { name, attributes: { ...(node[':@'] ?? {}) }, children: [], text: '' };
  for (const item of content) {
    if ('#text' in item) element.text += String(item['#text']);
    else element.children.push(toElement(item));
  }
  return element;
}

export function parseXml(xml: string): XmlElement {
  if (!xml.startsWith('<?xml version="1.0" encoding="utf-8"?>')) throw new Error('missing XML declaration');
  return parseXmlTree(xml);
}

/** Any well-formed document with one root element, declaration or not. */
export function parseXmlTree(xml: string): XmlElement {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`);
  const roots = (parser.parse(xml) as OrderedNode[]).filter(
    (node) => !('?xml' in node) && !('#text' in node),
  );
  if (roots.length !== 1) throw new Error(`expected one root element, found ${roots.length}`);
  return toElement(roots[0]!);
}

export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((candidate) => candidate.name === name);
}
