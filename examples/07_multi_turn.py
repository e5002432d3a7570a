"""A conversation: each reply is kept in the message list, so the next question has the context.

The reply goes back as `model_dump(exclude_none=True)`, as with the OpenAI SDK: the list stays
plain data (it could be saved as JSON), and it type-checks as a message.

Run: AIML_API_KEY=... python examples/07_multi_turn.py
"""

from aimlapi_gemini import AIMLAPI
from aimlapi_gemini.params import ChatCompletionMessageParam

client = AIMLAPI()
messages: list[ChatCompletionMessageParam] = [{"role": "system", "content": "You are a terse travel guide."}]
for question in ["Where should I go in Portugal?", "And in winter?", "How do I get there from Lisbon?"]:
    messages.append({"role": "user", "content": question})
    reply = client.chat.completions.create(model="gemini-pro", messages=messages).choices[0].message
    messages.append(reply.model_dump(exclude_none=True))  # the reply as plain data (JSON), the OpenAI SDK way
    print(f"> {question}\n{reply.content}\n")
