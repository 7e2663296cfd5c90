import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AnthropicStreamError,
  AnthropicStreamTranslator,
  fromAnthropicMessage,
  toAnthropicRequest,
  UntranslatableRequestError,
} from './anthropic-translation.js';
import type { ChatCompletionRequest } from './provider.js';

describe('Anthropic request translation', () => {
  it('moves system and developer messages to `system` and maps the sampling options', () => {
    const request: ChatCompletionRequest = {
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 300,
      temperature: 0.4,
      top_p: 0.9,
      stop: 'END',
      user: 'user-42',
    };
    assert.deepEqual(toAnthropicRequest(request, 'claude-x', 4096), {
      model: 'claude-x',
      max_tokens: 300,
      system: 'You are terse.\n\nAnswer in English.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      temperature: 0.4,
      top_p: 0.9,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
    });
    assert.equal(toAnthropicRequest({ messages: [] }, 'm', 4096).max_tokens, 4096);
    assert.equal(toAnthropicRequest({ messages: [], max_completion_tokens: 7 }, 'm', 4096).max_tokens, 7);
  });

  it('translates tools, tool choice, tool calls and tool results (merged into one user turn)', () => {
    const out = toAnthropicRequest(
      {
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'weather', arguments: '{"city":"Paris"}' },
              },
              { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
          { role: 'tool', tool_call_id: 'call_2', content: '24C' },
        ],
        tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
        tool_choice: { type: 'function', function: { name: 'weather' } },
      },
      'm',
      100,
    );
    assert.deepEqual(out.tools, [{ name: 'weather', input_schema: { type: 'object' } }]);
    assert.deepEqual(out.tool_choice, { type: 'tool', name: 'weather' });
    assert.deepEqual(out.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: '24C' },
        ],
      },
    ]);
  });

  it('translates images and rejects tool arguments that are not JSON', () => {
    const out = toAnthropicRequest(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0K' } },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
            ],
          },
        ],
      },
      'm',
      1,
    );
    assert.deepEqual(out.messages[0]?.content, [
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0K' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
    ]);
    const badCall = { id: 'c', type: 'function' as const, function: { name: 'f', arguments: '{oops' } };
    assert.throws(
      () =>
        toAnthropicRequest(
          { messages: [{ role: 'assistant', content: null, tool_calls: [badCall] }] },
          'm',
          1,
        ),
      UntranslatableRequestError,
    );
  });
});

describe('Anthropic answer translation', () => {
  it('maps content, tool use, stop reason and usage (cached prompt tokens included)', () => {
    const completion = fromAnthropicMessage(
      {
        id: 'msg_1',
        model: 'claude-x',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 7 },
      },
      1_000,
    );
    assert.deepEqual(completion, {
      id: 'msg_1',
      object: 'chat.completion',
      created: 1_000,
      model: 'claude-x',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              {
                id: 'toolu_1',
                type: 'function',
                function: { name: 'weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 15, completion_tokens: 7, total_tokens: 22 },
    });
    assert.equal(fromAnthropicMessage({ content: 'nope' }, 1), undefined);
  });

  it('translates a stream: role with the first content, tool deltas, finish reason, usage at message_stop', () => {
    const translator = new AnthropicStreamTranslator(1);
    const events: Array<[string, Record<string, unknown>]> = [
      [
        'message_start',
        { message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 9, output_tokens: 1 } } },
      ],
      ['ping', {}],
      ['content_block_start', { index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } }],
      ['content_block_stop', { index: 0 }],
      [
        'content_block_start',
        { index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } },
      ],
      ['content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } }],
      ['content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '1}' } }],
      ['message_delta', { delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 30 } }],
      ['message_stop', {}],
    ];
    const chunks = events.flatMap(([type, data]) => translator.translate(type, data));
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices[0]?.delta ?? null),
      [
        { role: 'assistant', content: 'Hi' },
        {
          tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '' } }],
        },
        { tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] },
        { tool_calls: [{ index: 0, function: { arguments: '1}' } }] },
        {},
        null,
      ],
    );
    assert.equal(chunks[4]?.choices[0]?.finish_reason, 'length');
    assert.deepEqual(chunks[5]?.usage, { prompt_tokens: 9, completion_tokens: 30, total_tokens: 39 });
    assert.equal(chunks[0]?.id, 'msg_1');
    assert.equal(translator.finished, true);
  });

  it('throws on a mid-stream error event', () => {
    const translator = new AnthropicStreamTranslator(1);
    assert.throws(
      () => translator.translate('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
      (error: unknown) => error instanceof AnthropicStreamError && error.errorType === 'overloaded_error',
    );
  });
});
