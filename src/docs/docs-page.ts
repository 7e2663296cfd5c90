import { ERROR_CATALOGUE, type ErrorCode, lunarCoreName } from '../errors.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * The interactive reference. The page loads only the Scalar bundle served by the gateway itself and
 * turns off Scalar's web fonts, so it works on a machine with no internet access.
 */
export function apiReferencePage(): string {
  const configuration = JSON.stringify({
    withDefaultFonts: false,
    hideClientButton: false,
    telemetry: false,
  });
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
