// Drives the emulator with node-ovh, the official Node.js client (npm `ovh`, pinned in
// node_ovh.rs and .ci/run).
//
// Reads the emulator's address and application from the environment, requests a consumer
// key, has it validated, then makes signed calls on a collection without hand-written flow,
// and prints one JSON object with what happened on the last line of stdout. node-ovh 2 has no
// OAuth2 (it came with @ovhcloud/node-ovh 3).
//
// node-ovh 2 only speaks HTTPS and signs `https://` + host + path: the shim below carries its
// requests over plain HTTP to the emulator (which accepts the `https://` form of the URL it
// received) and keeps the query id of the last answer, which node-ovh does not report.
'use strict';

const http = require('http');
const https = require('https');

let lastQueryId = null;
https.request = (options, callback) => {
  const hostname = options.host.split(':')[0];
  return http.request({ ...options, hostname }, (res) => {
    lastQueryId = res.headers['x-ovh-queryid'] || null;
    callback(res);
  });
};

const port = Number(process.env.EMU_PORT);
const client = require('ovh')({
  appKey: process.env.EMU_AK,
  appSecret: process.env.EMU_AS,
  host: `127.0.0.1:${port}`,
  port,
  basePath: '/1.0',
});
const records = '/domain/zone/example.com/record';

/** What a failed call reports: status, message and the query id of its answer. */
async function failure(call) {
  try {
    await call();
    return null;
  } catch (e) {
    return { code: e.error, message: e.message, query_id: lastQueryId };
  }
}

function get(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}

async function main() {
  const out = {};
  out.time = await client.requestPromised('GET', '/auth/time', {});

  // The consumer-key flow: request, the user approves at the validation URL, then use it.
  const rules = ['GET', 'POST', 'PUT', 'DELETE'].map((method) => ({ method, path: '/*' }));
  const credential = await client.requestPromised('POST', '/auth/credential', { accessRules: rules });
  out.credential_state = credential.state;
  client.consumerKey = credential.consumerKey;
  out.before_validation = await failure(() => client.requestPromised('GET', '/me', {}));
  out.validation_status = await get(credential.validationUrl);
  out.me = typeof (await client.requestPromised('GET', '/me', {})) === 'object';

  // Signed POST, GET (with a query string), PUT and DELETE on a stateful collection.
  const body = { fieldType: 'A', subDomain: 'www', target: '192.0.2.1', ttl: 60 };
  out.created = await client.requestPromised('POST', records, body);
  out.listed = await client.requestPromised('GET', records, { fieldType: 'A', subDomain: 'www' });
  await client.requestPromised('PUT', `${records}/1`, { target: '192.0.2.2' });
  out.updated_target = (await client.requestPromised('GET', `${records}/1`, {})).target;
  await client.requestPromised('DELETE', `${records}/1`, {});
  out.after_delete = await failure(() => client.requestPromised('GET', `${records}/1`, {}));
  out.invalid = await failure(() => client.requestPromised('POST', records, { fieldType: 'XX', target: 'x' }));
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error('node-ovh script failed:', e);
  process.exit(1);
});
