// A minimal Lambda Runtime API loop for the original Node.js verify handler, so lambda-bench can
// run it exactly like our bootstraps: GET next event, call the handler, POST its answer.
// Like the Node.js managed runtime, it honours context.done(error, result).
'use strict';
const http = require('http');
const { handler } = require('./index.js');

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime';

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = http.request({ host, port, method, path, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function loop() {
  for (;;) {
    const next = await request('GET', `${base}/invocation/next`);
    const id = next.headers['lambda-runtime-aws-request-id'];
    let doneError = null;
    const context = { awsRequestId: id, done: (err) => { doneError = err || null; }, succeed() {}, fail(e) { doneError = e; } };
    let result;
    try {
      result = await handler(JSON.parse(next.body), context);
    } catch (e) {
      doneError = e;
    }
    if (doneError || result === undefined) {
      const message = String((doneError && doneError.message) || doneError || 'no result');
      await request('POST', `${base}/invocation/${id}/error`, JSON.stringify({ errorMessage: message }));
    } else {
      await request('POST', `${base}/invocation/${id}/response`, JSON.stringify(result));
    }
  }
}

loop().catch((e) => { console.error(e); process.exit(1); });
