// A client's own tools through a graph that takes them (tinyllm/tools), with the official
// client libraries: the graph's call of the client's tool arrives as the library's tool_calls,
// the client runs it and sends the result back the library's way, and the graph answers. Run by
// tests/serve/clients_test.py against a fake model scripted by tools_script.json:
// node tools_test.mjs http://127.0.0.1:PORT
import { Ollama } from 'ollama';
import OpenAI from 'openai';

const [base] = process.argv.slice(2);
const failures = [];
function check(name, ok, detail) {
    console.log(`${ok ? 'ok' : 'FAILED'} ${name}: ${JSON.stringify(detail)}`);
    if (!ok) failures.push(name);
}

const model = 'tinyllm/tools';
const weather = {
    type: 'function',
    function: {
        name: 'get_weather',
        description: 'The weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
};
const runTool = (args) => `11 degrees celsius in ${args.city}`;

const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'not-needed', maxRetries: 0 });
const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
const first = await openai.chat.completions.create({ model, messages, tools: [weather] });
const call = first.choices[0].message.tool_calls?.[0];
check('openai tool_calls', first.choices[0].finish_reason === 'tool_calls' &&
      call?.function.name === 'get_weather' && JSON.parse(call.function.arguments).city === 'Paris',
      first.choices[0]);
messages.push(first.choices[0].message);
messages.push({ role: 'tool', tool_call_id: call.id, content: runTool(JSON.parse(call.function.arguments)) });
const second = await openai.chat.completions.create({ model, messages, tools: [weather] });
check('openai answer after the tool', second.choices[0].finish_reason === 'stop' &&
      second.choices[0].message.content === 'It is 11 degrees in Paris.', second.choices[0]);

// The library's stream helper assembles the tool calls from the deltas.
const stream = openai.beta.chat.completions.stream({
    model,
    messages: [{ role: 'user', content: 'Weather in Oslo and Lima?' }],
    tools: [weather],
});
const streamed = await stream.finalChatCompletion();
const calls = streamed.choices[0].message.tool_calls ?? [];
check('openai streamed tool_calls', streamed.choices[0].finish_reason === 'tool_calls' &&
      calls.length === 2 && JSON.parse(calls[1].function.arguments).city === 'Lima' &&
      calls[0].id !== calls[1].id, streamed.choices[0]);

const ollama = new Ollama({ host: base });
const chat = [{ role: 'user', content: 'What is the weather in Toronto?' }];
const asked = await ollama.chat({ model, messages: chat, tools: [weather] });
const ollamaCall = asked.message.tool_calls?.[0];
check('ollama tool_calls', ollamaCall?.function.name === 'get_weather' &&
      ollamaCall.function.arguments.city === 'Toronto', asked.message);
chat.push(asked.message);
chat.push({ role: 'tool', content: runTool(ollamaCall.function.arguments), tool_name: 'get_weather' });
const answered = await ollama.chat({ model, messages: chat, tools: [weather] });
check('ollama answer after the tool', answered.message.content === 'It is 3 degrees in Toronto.',
      answered.message);

if (failures.length > 0) {
    console.log(`${failures.length} failed: ${failures.join(', ')}`);
    process.exit(1);
}
console.log('all passed');
