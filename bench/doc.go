// Package bench holds govchat's retrieval benchmark: govchat against a bleve
// v2 baseline (its cjk bigram analyzer) on the evaluation sets in
// ../shared/eval, side by side in one run, plus a synthetic scale-up for
// latency. Everything lives in _test.go files, so the baseline is never
// linked into the product binary. Run it with
//
//	go test ./bench -run '^$' -bench . -benchtime 1x -timeout 60m
//
// (see docs/search.md for the options).
package bench
