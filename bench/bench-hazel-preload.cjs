/**
 * Loaded into Hazel with `node --require`: Hazel fetches its releases from the hard-coded
 * `https://api.github.com` (node-fetch over `https.request`); this sends those requests, and only
 * those, to the fake GitHub at HAZEL_GITHUB_URL over plain HTTP. Hazel's request handling, the path
 * the benchmark measures, is untouched: it serves update checks from its in-memory cache.
 */
const http = require('node:http');
const https = require('node:https');

const fake = new URL(process.env.HAZEL_GITHUB_URL);
const httpsRequest = https.request;

https.request = function request(options, ...rest) {
  const isGithubApi =
    typeof options === 'object' &&
    !(options instanceof URL) &&
    (options.hostname ?? options.host) === 'api.github.com';
  if (!isGithubApi) return httpsRequest.call(this, options, ...rest);
  const redirected = {
    ...options,
    protocol: 'http:',
    host: fake.hostname,
    hostname: fake.hostname,
    port: fake.port,
    agent: undefined,
  };
  return http.request(redirected, ...rest);
};
