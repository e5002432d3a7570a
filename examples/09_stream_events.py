"""A streamed reply read as the OpenAI SDK's events: the text as it comes, then the whole of it.

Run: AIML_API_KEY=... python examples/09_stream_events.py
"""

from aimlapi_gemini import AIMLAPI

client = AIMLAPI()
with client.chat.completions.stream(
    model="gemini-pro",
    messages=[{"role": "user", "content": "Describe a lighthouse in two sentences."}],
    max_tokens=200,
) as stream:
    for event in stream:
        if event.type == "content.delta":  # a piece of text, as it arrives
            print(event.delta, end="", flush=True)
        elif event.type == "content.done":  # the whole text, once the choice ends
            print(f"\n({len(event.content)} characters)")
    final = stream.get_final_completion()  # one ChatCompletion, usage None when the stream sent none
print(f"finish_reason: {final.choices[0].finish_reason}")
