"""05_concurrent.py with the OpenAI SDK, pointed at the same API (for comparison)."""

import asyncio
import os

from openai import AsyncOpenAI

LIMIT = 10


async def main() -> None:
    limit = asyncio.Semaphore(LIMIT)
    async with AsyncOpenAI(
        api_key=os.environ["AIML_API_KEY"],
        base_url=os.environ.get("AIML_API_BASE_URL", "https://api.aimlapi.com/v1"),
    ) as client:

        async def ask(question: str) -> int:
            async with limit:
                completion = await client.chat.completions.create(
                    model="gemini-pro", messages=[{"role": "user", "content": question}], max_tokens=50
                )
            return completion.usage.total_tokens if completion.usage else 0

        tokens = await asyncio.gather(*(ask(f"What is {n} squared?") for n in range(100)))
    print(f"{len(tokens)} answers, {sum(tokens)} tokens")


asyncio.run(main())
