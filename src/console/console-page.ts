/** The console's one HTML page: no inline script or style, everything else is the bundle's. */
export function consolePage(base: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="lunarbit-base" content="${base}">
<title>LunarBit Console</title>
<link rel="stylesheet" href="${base}/console/assets/console.css">
<script type="module" src="${base}/console/assets/console.js"></script>
</head>
<body>
<div id="app"><noscript>The LunarBit console needs JavaScript.</noscript></div>
</body>
</html>
`;
}
