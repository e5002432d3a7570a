"""100 calls at once, at most 10 of them in flight (asyncio and a semaphore).

Run: AIML_API_KEY=... python examples/05_concurrent.py
For hundreds of calls, `pip install 'aimlapi-gemini[aiohttp]'` and pass
`http_client=DefaultAioHttpClient()` to AsyncAIMLAPI: aiohttp's pool is several times faster.
"""

import asyncio

from aimlapi_gemini import AsyncAIMLAPI

LIMIT = 10


async def main() -> None:
    limit = asyncio.Semaphore(LIMIT)
    async with AsyncAIMLAPI() as client:

        async def ask(question: str) -> int:
            async with limit:
                completion = await client.chat.completions.create(
                    model="gemini-pro", messages=[{"role": "user", "content": question}], max_tokens=50
                )
            return completion.usage.total_tokens if completion.usage else 0

        tokens = await asyncio.gather(*(ask(f"What is {n} squared?") for n in range(100)))
    print(f"{len(tokens)} answers, {sum(tokens)} tokens")


asyncio.run(main())
