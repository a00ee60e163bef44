// The official client libraries against tinyllm serve: `ollama` (ollama-js) and `openai`
// (openai-node), each streaming and not. Run by tests/serve/clients_test.py, which starts the
// server and the fake model server: node clients_test.mjs http://127.0.0.1:PORT EXPECTED_ANSWER
import { Ollama } from 'ollama';
import OpenAI from 'openai';

const [base, expected] = process.argv.slice(2);
const failures = [];
function check(name, got) {
    const ok = got === expected;
    console.log(`${ok ? 'ok' : 'FAILED'} ${name}: ${JSON.stringify(got)}`);
    if (!ok) failures.push(name);
}

const ollama = new Ollama({ host: base });
const messages = [{ role: 'user', content: 'hello' }];

const tags = await ollama.list();
const names = tags.models.map((m) => m.name);
console.log(`${names.includes('tinyllm/direct') ? 'ok' : 'FAILED'} ollama list: ${names.join(', ')}`);
if (!names.includes('tinyllm/direct')) failures.push('ollama list');

const chat = await ollama.chat({ model: 'tinyllm/direct', messages });
check('ollama chat', chat.message.content);

let streamed = '';
for await (const part of await ollama.chat({ model: 'tinyllm/direct', messages, stream: true })) {
    streamed += part.message.content;
}
check('ollama chat stream', streamed);

const generated = await ollama.generate({ model: 'tinyllm/direct', prompt: 'hello' });
check('ollama generate', generated.response);

const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'not-needed', maxRetries: 0 });
const completion = await openai.chat.completions.create({ model: 'tinyllm/direct', messages });
check('openai chat.completions', completion.choices[0].message.content);

let deltas = '';
const stream = await openai.chat.completions.create({
    model: 'tinyllm/direct',
    messages,
    stream: true,
    stream_options: { include_usage: true },
});
let usage = null;
for await (const chunk of stream) {
    if (chunk.choices.length > 0) deltas += chunk.choices[0].delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
}
check('openai chat.completions stream', deltas);
console.log(`${usage && usage.completion_tokens > 0 ? 'ok' : 'FAILED'} openai usage: ${JSON.stringify(usage)}`);
if (!(usage && usage.completion_tokens > 0)) failures.push('openai usage');

const models = await openai.models.list();
const ids = models.data.map((m) => m.id);
console.log(`${ids.includes('tinyllm/default') ? 'ok' : 'FAILED'} openai models: ${ids.join(', ')}`);
if (!ids.includes('tinyllm/default')) failures.push('openai models');

try {
    await openai.chat.completions.create({ model: 'tinyllm/nope', messages });
    failures.push('openai unknown model');
    console.log('FAILED openai unknown model: no error');
} catch (e) {
    const ok = e.status === 404 && e.code === 'model_not_found';
    console.log(`${ok ? 'ok' : 'FAILED'} openai unknown model: ${e.status} ${e.code} ${e.message}`);
    if (!ok) failures.push('openai unknown model');
}

if (failures.length > 0) {
    console.log(`${failures.length} failed: ${failures.join(', ')}`);
    process.exit(1);
}
console.log('all passed');
