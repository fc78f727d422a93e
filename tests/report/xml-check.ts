/**
 * A tiny well-formedness checker for the fragments the figure renderer emits (no XML parser
 * dependency): tags balance, attributes are quoted, text holds no raw `<` and only known
 * entities. In `html` mode the HTML void elements (img, br, …) need no closing tag.
 */
const VOID = new Set(['img', 'br', 'hr', 'meta', 'link', 'input', 'col', 'wbr', 'source']);
const ENTITY = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;

export function xmlProblems(markup: string, opts: { html?: boolean } = {}): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let i = 0;
  const checkText = (s: string, where: number) => {
    for (let k = s.indexOf('&'); k >= 0; k = s.indexOf('&', k + 1)) {
      if (!ENTITY.test(s.slice(k))) problems.push(`bare & at ${where + k}`);
    }
    if (s.includes('>') && !opts.html) problems.push(`bare > at ${where}`);
  };
  while (i < markup.length) {
    const lt = markup.indexOf('<', i);
    if (lt < 0) {
      checkText(markup.slice(i), i);
      break;
    }
    checkText(markup.slice(i, lt), i);
    if (markup.startsWith('<!--', lt)) {
      const end = markup.indexOf('-->', lt);
      if (end < 0) return [...problems, `unclosed comment at ${lt}`];
      i = end + 3;
      continue;
    }
    const m = /^<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/.exec(markup.slice(lt));
    if (!m) {
      problems.push(`malformed tag at ${lt}: ${markup.slice(lt, lt + 40)}`);
      return problems;
    }
    const [whole, closing, name, attrs, selfClosing] = m;
    checkText(attrs, lt);
    const names = [...attrs.matchAll(/([\w:-]+)="/g)].map((a) => a[1]);
    if (new Set(names).size !== names.length) problems.push(`duplicate attribute in <${name}> at ${lt}`);
    if (closing) {
      const top = stack.pop();
      if (top !== name) problems.push(`</${name}> at ${lt} closes <${top ?? 'nothing'}>`);
    } else if (!selfClosing && !(opts.html && VOID.has(name.toLowerCase()))) {
      stack.push(name);
    }
    i = lt + whole.length;
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  return problems;
}

/** Every <svg>…</svg> element of the markup (outermost ones). */
export function svgElements(markup: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    const start = markup.indexOf('<svg', i);
    if (start < 0) return out;
    let depth = 0;
    const re = /<svg[\s>]|<\/svg>/g;
    re.lastIndex = start;
    let m: RegExpExecArray | null;
    let end = -1;
    while ((m = re.exec(markup))) {
      if (m[0] === '</svg>') depth--;
      else depth++;
      if (depth === 0) {
        end = m.index + 6;
        break;
      }
    }
    if (end < 0) return [...out, markup.slice(start)];
    out.push(markup.slice(start, end));
    i = end;
  }
}

/** How many times a substring or pattern occurs. */
export function countOf(markup: string, pattern: RegExp | string): number {
  if (typeof pattern === 'string') return markup.split(pattern).length - 1;
  return [...markup.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'))].length;
}
