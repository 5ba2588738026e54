// XML 1.0 text and attribute escaping for the JUnit report: verifier logs and console tails carry any byte.

// Everything outside XML 1.0's Char production: C0 controls but tab/LF/CR, lone surrogates, U+FFFE and U+FFFF.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The text with every character XML 1.0 forbids replaced by U+FFFD (a parser rejects the whole file for one). */
export function xmlSafeChars(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD');
}

/** Element content: & and < must be escaped, > too so that "]]>" cannot appear; CR kept as a reference (parsers fold a raw one into LF). */
export function escapeXmlText(text: string): string {
  return xmlSafeChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** An attribute value in double quotes: tab, LF and CR as references, since attribute normalisation turns raw ones into spaces. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}
