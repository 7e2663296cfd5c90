import { ERROR_CATALOGUE, type ErrorCode, lunarCoreName } from '../errors.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * The interactive reference. The page loads only the Scalar bundle served by the gateway itself and
 * turns off everything of Scalar's that needs its cloud, so it works on a machine with no internet
 * access and the page's CSP (`connect-src 'self'`) is never violated: web fonts, telemetry, the AI
 * agent ("Ask AI", which talks through proxy.scalar.com), the developer toolbar (share, SDK
 * generation, deploy) and the button that opens the hosted API client. Test requests go straight to
 * the gateway, without Scalar's proxy.
 */
export const SCALAR_CONFIGURATION = {
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  showDeveloperTools: 'never',
  hideClientButton: true,
} as const;

export function apiReferencePage(): string {
  const configuration = JSON.stringify(SCALAR_CONFIGURATION);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LunarBit API Gateway — API reference</title>
</head>
<body>
<script id="api-reference" data-url="/openapi.json" data-configuration="${escapeHtml(configuration)}"></script>
<script src="/docs/assets/scalar.js"></script>
</body>
</html>
`;
}

export function errorCataloguePage(): string {
  const rows = (Object.entries(ERROR_CATALOGUE) as [ErrorCode, { status: number; meaning: string }][])
    .map(
      ([code, { status, meaning }]) =>
        `<tr id="${code}"><td><code>${code}</code></td><td><code>${lunarCoreName(code)}</code></td><td>${status}</td><td>${escapeHtml(meaning)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>LunarBit API Gateway — error codes</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}td,th{padding:.4rem .8rem;text-align:left;border-bottom:1px solid #ddd}tr:target{background:#fff3c4}</style>
</head>
<body>
<h1>Error codes</h1>
<p>Every error response has the body <code>{"error":{"code","message","details?","documentation_url","request_id"}}</code>.
Quote the <code>request_id</code> (also in the <code>X-Request-Id</code> header) when reporting a problem.</p>
<table>
<thead><tr><th>Code</th><th>LunarCore name</th><th>HTTP status</th><th>Meaning</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}
