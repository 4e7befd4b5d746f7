package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/search/eval"
	"github.com/govchat/govchat/internal/store/mem"
)

// compareRow is one configuration measured by eval --compare.
type compareRow struct {
	Name   string      `json:"name"`
	Report eval.Report `json:"report"`
}

// evalCompare measures retrieval on the question file before and after
// the vocabulary and the learned associations: each configuration on a
// fresh in-memory index of the same knowledge base.
func evalCompare(ctx context.Context, env *Env, queries string, with []string, p search.Params, asJSON bool) error {
	qs, err := readQueryFile(queries)
	if err != nil {
		return err
	}
	noVocabulary := func(d kb.Dict) kb.Dict {
		d.Synonyms, d.Expansions, d.Aspects = nil, nil, nil
		return d
	}
	off := p
	off.AssocWeight, off.AssocRerank, off.AspectWeight = -1, -1, -1
	vocab := p
	vocab.AssocWeight, vocab.AssocRerank = -1, -1
	configs := []struct {
		name string
		opt  searchOptions
	}{
		{"no vocabulary, no associations", searchOptions{Params: off, Dict: noVocabulary}},
		{"vocabulary (synonyms, expansions, aspects)", searchOptions{Params: vocab}},
		{"vocabulary + learned associations", searchOptions{Params: p}},
	}
	var rows []compareRow
	for _, c := range configs {
		st, err := mem.Open("")
		if err != nil {
			return err
		}
		c.opt.Store, c.opt.With = st, with
		a, err := openSearch(ctx, env, c.opt)
		if err != nil {
			st.Close()
			return err
		}
		rep, err := eval.Run(ctx, qs, 10, ranker(a.Engine, 10))
		a.Close()
		if err != nil {
			return err
		}
		rows = append(rows, compareRow{c.name, rep})
	}
	if asJSON {
		return json.NewEncoder(env.Stdout).Encode(rows)
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tR@1\tR@5\tR@10\tMRR@10\tp50\n", queries)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.3f\t%s\n", r.Name, r.Report.R1, r.Report.R5, r.Report.R10, r.Report.MRR10, eval.FormatDuration(r.Report.P50))
	}
	return tw.Flush()
}
