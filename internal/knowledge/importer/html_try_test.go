package importer

import (
	"fmt"
	"os"
	"testing"
)

func TestTryHTML(t *testing.T) {
	f := os.Getenv("TRY")
	if f == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(f)
	d, err := ParseHTML(data)
	if err != nil {
		t.Fatal(err)
	}
	body := d.Body
	d.Body = ""
	fmt.Printf("%+v\n---\n%s\n", *d, body)
}
