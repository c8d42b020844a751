"""Benchmarks: `bash bench/run` (or `.venv/bin/python -m bench`), see __main__.py.

synth     the synthetic Beijing-region network (stores, zones, communities)
db        throwaway PostGIS cluster as the tests start theirs; round and staff tokens
load      registry write path for a sample, binary COPY for the rest; ANALYZE
network   both of the above, and the one-line description of what was loaded
server    `boai serve` (granian) in its own process; readiness; peak memory
workload  household points, route bodies, five-store merchant applications
wrk       wrk + lua/requests.lua; rawload: the same SQL through asyncpg (physical limit)
httpload  HTTP/1.1 client for the rate-limited intake (one loopback address per connection)
cpu       CPU per request by process group; machine: parallel speed-up of the 2 CPUs
batch     assignment in-process; single: coverage and batch plan over HTTP; naive: geopy peer
plans     EXPLAIN (ANALYZE) of the spatial queries; report: table and results JSON
"""
