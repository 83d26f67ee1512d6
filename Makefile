# zhibu — 支部书记学习考试平台
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/zhibu?sslmode=disable
export DATABASE_URL

.PHONY: run test bench lint build

run: ## start the platform with demo data on http://localhost:8080
	go run ./app serve -create-db -migrate -demo

test: ## run every test (needs PostgreSQL; browser tests need chromium)
	go test -count=1 -p 2 ./...

# bench: Go benchmarks, statements and round trips per exam request, then exam morning
# against a real server and PostgreSQL (exams/examload; pgbench comes with PostgreSQL's
# server package on Debian): the closed-loop maximum at 50 and 200 concurrent with
# pgbench's UPDATE ceiling and the CPU split, 300 simultaneous starts, and the open loop
# of 3,000 arrivals within 60 s at 5–20 s per answer, cut to 10 answers each (≈ 4 min;
# the full 50 answers take ≈ 12 min: see README 「性能」). About 12 minutes in all.
bench: ## benchmarks and load runs, printing numbers (≈ 12 min)
	go test -run '^$$' -skip RoundTrips -bench . -benchmem ./app/accounts/ ./app/tours/ ./courses/ ./exams/
	go test -run '^$$' -bench CompletionWorkbook -benchtime 3x -benchmem -v ./app/reports/ | grep -E '^(Benchmark|    bench_test)'
	go test -run '^$$' -bench RoundTrips -benchtime 50x ./exams/
	go run ./exams/examload -mode closed -c 50,200 -n 500 -starts 300
	go run ./exams/examload -mode open -n 3000 -ramp 60s -pace-min 5s -pace-max 20s -answers 10

lint:
	gofmt -l . | (! grep .)
	go vet ./...

build:
	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/zhibu ./app
