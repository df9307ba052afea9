"""`make bench`: run every benchmark in bench/ and print its numbers (recorded in bench/README.md)."""

from bench import deadlines

if __name__ == "__main__":
    deadlines.main()
