// Runs `oidc-provider` (the certified OpenID Connect provider for Node.js) on loopback over
// TLS, for entraclient's interop tests. Usage:
//
//   node oidc_provider_server.mjs <settings.json>
//
// settings.json: {"key": PEM path, "cert": PEM path, "clients": [client metadata...],
//                 "scopes": ["api:read", ...]}
// The provider is mounted under /oidc, so its issuer has a path, as most real issuers do.
// Once listening, prints one JSON line: {"issuer": "https://127.0.0.1:<port>/oidc"}.
// Stops when stdin closes, so the test process cannot leave it running.

import { readFileSync } from 'node:fs';
import https from 'node:https';
import process from 'node:process';

import Provider from 'oidc-provider';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const MOUNT = '/oidc';

let handler = (req, res) => {
  res.statusCode = 503;
  res.end();
};

const server = https.createServer(
  { key: readFileSync(settings.key), cert: readFileSync(settings.cert) },
  (req, res) => {
    if (req.url !== MOUNT && !req.url.startsWith(`${MOUNT}/`) && !req.url.startsWith(`${MOUNT}?`)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    // oidc-provider finds its mount path by comparing originalUrl with url.
    req.originalUrl = req.url;
    req.url = req.url.slice(MOUNT.length) || '/';
    handler(req, res);
  },
);

server.listen(0, '127.0.0.1', () => {
  const issuer = `https://127.0.0.1:${server.address().port}${MOUNT}`;
  const provider = new Provider(issuer, {
    clients: settings.clients,
    scopes: settings.scopes,
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
    },
  });
  provider.on('server_error', (ctx, error) => {
    process.stderr.write(`oidc-provider server_error: ${error}\n`);
  });
  handler = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.stdin.resume();
process.stdin.on('end', () => {
  server.close();
  process.exit(0);
});
