import { marked, Renderer, type Tokens } from 'marked';

/**
 * Release notes as HTML for the preview. Raw HTML in the notes is shown as text, links go only to
 * http(s), mail and relative targets, and images show their text (the console loads nothing from
 * other hosts): what is rendered cannot run or fetch anything.
 */
const renderer = new Renderer();
const link = renderer.link.bind(renderer);
renderer.html = (token: Tokens.HTML | Tokens.Tag) => escapeHtml(token.text);
renderer.link = (token: Tokens.Link) =>
  /^(https?:|mailto:|#|\/)/i.test(token.href) ? link(token) : renderer.parser.parseInline(token.tokens);
renderer.image = (token: Tokens.Image) => escapeHtml(token.text);

export function renderMarkdown(text: string): string {
  return marked.parse(text, { async: false, renderer, gfm: true }) as string;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
