"""`make bench`: run every benchmark in bench/ and print its numbers (recorded in bench/README.md)."""

import asyncio

from bench import cases, deadlines

if __name__ == "__main__":
    deadlines.main()
    asyncio.run(cases.main())
