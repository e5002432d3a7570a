"""A streamed reply, printed as it arrives, then why it stopped (the final `finish_reason`).

Run: AIML_API_KEY=... python examples/02_stream.py
"""

from aimlapi_gemini import AIMLAPI

client = AIMLAPI()
with client.chat.completions.create(
    model="gemini-pro",
    messages=[{"role": "user", "content": "Tell me a short story about a lighthouse."}],
    max_tokens=200,
    stream=True,
    extra_body={"stream_options": {"include_usage": True}},  # usage in the last chunk (not in the spec yet)
) as stream:
    for text in stream.text_deltas():  # choice 0's text pieces; the chunks are joined on the side
        print(text, end="", flush=True)
    final = stream.get_final_completion()  # one ChatCompletion: the text, finish_reason, usage
tokens = final.usage.completion_tokens if final.usage else "?"  # None when the stream sent no usage
print(f"\nfinish_reason: {final.choices[0].finish_reason}, {tokens} tokens")
