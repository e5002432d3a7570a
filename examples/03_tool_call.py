"""A tool-call round trip: the model asks for a function, we run it and send the result back.

Run: AIML_API_KEY=... python examples/03_tool_call.py
"""

import json

from aimlapi_gemini import AIMLAPI
from aimlapi_gemini.params import ChatCompletionMessageParam, ChatCompletionToolParam


def get_weather(city: str) -> str:
    return f"Sunny and 21 °C in {city}"  # a real app would call a weather service here


tools: list[ChatCompletionToolParam] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
client = AIMLAPI()
messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "What is the weather in Oslo?"}]
reply = client.chat.completions.create(model="gemini-pro", messages=messages, tools=tools).choices[0].message
messages.append(reply)  # the assistant turn, tool calls included, goes back as it came
for call in reply.tool_calls or []:
    if call.type_ == "function":  # the other kind, "custom", carries free text instead of a function
        result = get_weather(**json.loads(call.function.arguments))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
final = client.chat.completions.create(model="gemini-pro", messages=messages, tools=tools)
print(final.choices[0].message.content)
