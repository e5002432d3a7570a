"""03_tool_call.py with the OpenAI SDK, pointed at the same API (for comparison)."""

import json
import os

from openai import OpenAI


def get_weather(city: str) -> str:
    return f"Sunny and 21 °C in {city}"  # a real app would call a weather service here


tools = [
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
client = OpenAI(
    api_key=os.environ["AIML_API_KEY"],
    base_url=os.environ.get("AIML_API_BASE_URL", "https://api.aimlapi.com/v1"),
)
messages = [{"role": "user", "content": "What is the weather in Oslo?"}]
reply = client.chat.completions.create(model="gemini-pro", messages=messages, tools=tools).choices[0].message
messages.append(reply)
for call in reply.tool_calls or []:
    if call.type == "function":
        result = get_weather(**json.loads(call.function.arguments))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
final = client.chat.completions.create(model="gemini-pro", messages=messages, tools=tools)
print(final.choices[0].message.content)
