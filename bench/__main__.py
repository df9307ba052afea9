"""`make bench`: run every benchmark in bench/ and print its numbers (recorded in bench/README.md)."""

import asyncio

from bench import api_load, archive, cases, deadlines, documents, inbox_query, ledger

if __name__ == "__main__":
    deadlines.main()
    documents.main()
    archive.main()
    asyncio.run(cases.main())
    asyncio.run(api_load.main())
    asyncio.run(inbox_query.main())
    ledger.main()
