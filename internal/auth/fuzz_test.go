package auth

import (
	"regexp"
	"strconv"
	"testing"
)

// costRe finds the memory and time costs, so that the fuzzer does not spend
// gigabytes on hashes it made up.
var costRe = regexp.MustCompile(`m=(\d+),t=(\d+)`)

func FuzzCheckPassword(f *testing.F) {
	good, _ := HashPassword("correct horse battery", cheap)
	f.Add(good, "correct horse battery")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$AAAA$AAAA", "x")
	f.Add("$argon2id$v=19$m=99999999,t=99,p=255$AAAA$AAAA", "x")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		if m := costRe.FindStringSubmatch(encoded); m != nil {
			mem, _ := strconv.Atoi(m[1])
			tc, _ := strconv.Atoi(m[2])
			if mem > 4096 || tc > 4 {
				t.Skip("expensive parameters")
			}
		}
		ok, err := CheckPassword(encoded, pw)
		if ok && err != nil {
			t.Fatal("ok with an error")
		}
		if ok && encoded != good {
			// Only hashes that really encode pw may match; a forged hash with
			// cheap parameters could, so check it recomputes.
			again, err := CheckPassword(encoded, pw)
			if !again || err != nil {
				t.Fatal("match not reproducible")
			}
		}
	})
}
