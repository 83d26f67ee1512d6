# zhibu — 支部书记学习考试平台
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/zhibu?sslmode=disable
export DATABASE_URL

.PHONY: run test bench lint build

run: ## start the platform with demo data on http://localhost:8080
	go run ./app serve -create-db -migrate -demo

test: ## run every test (needs PostgreSQL; browser tests need chromium)
	go test -count=1 -p 2 ./...

bench: ## benchmarks and load runs, printing numbers
	go test -run '^$$' -bench . -benchmem ./app/accounts/ ./app/tours/ ./courses/ ./exams/
	go test -run '^$$' -bench CompletionWorkbook -benchtime 3x -benchmem -v ./app/reports/ | grep -E '^(Benchmark|    bench_test)'
	go run ./exams/examload -n 500 -c 200 -timeout 10m

lint:
	gofmt -l . | (! grep .)
	go vet ./...

build:
	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/zhibu ./app
