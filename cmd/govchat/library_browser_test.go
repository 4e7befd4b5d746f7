package main

// Browser tests of the 政策文件库 (/docs/) on a phone (390 px) and a desktop
// (1366 px): filters by year and status, a 文号 written in another form,
// a policy with its interpretation beside it (below it on the phone), and
// the same search with JavaScript switched off.

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/govchat/govchat/internal/browsertest"
)

// box is an element's place on the page.
type box struct{ Left, Right, Top, Bottom, Width float64 }

func boxOf(t *testing.T, ctx context.Context, sel string) box {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[box](fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return {};
	  const r = e.getBoundingClientRect(); return {Left: r.left, Right: r.right, Top: r.top + scrollY, Bottom: r.bottom + scrollY, Width: r.width}; })()`, sel)))
}

// waitPage polls expr until it is truthy, across navigations (an
// evaluation during one fails and is retried).
func waitPage(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			browsertest.Screenshot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-")+".png")
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func libraryItems(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.lib-item')].map(li =>
	  li.querySelector('.lib-h a').textContent + ' | ' + li.querySelector('.lib-badges').textContent.replace(/\s+/g, ' ').trim())`))
}

func TestBrowserLibrary(t *testing.T) {
	rs := a11yServer(t, nil)
	for _, size := range []struct {
		name  string
		width int
		phone bool
	}{{"390", 390, true}, {"1366", 1366, false}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := browsertest.New(t)
			if size.phone {
				browsertest.Do(t, ctx, phone())
			} else {
				browsertest.Do(t, ctx, chromedp.EmulateViewport(1366, 900))
			}
			browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/docs/"))
			waitPage(t, ctx, "library", `document.querySelector('.lib-item') !== null`)
			if w := browsertest.Run(t, ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); w > float64(size.width)+1 {
				t.Errorf("the page is %.0f px wide on a %d px screen", w, size.width)
			}
			all := libraryItems(t, ctx)

			// Filter: 2019, 现行有效.
			browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`.lib-filters summary`)))
			browsertest.Do(t, ctx,
				chromedp.SetValue(chromedp.CSS(`select[name=year]`), "2019"),
				chromedp.SetValue(chromedp.CSS(`select[name=status]`), "现行有效"),
				chromedp.Click(chromedp.CSS(`.lib-factions button[type=submit]`)),
			)
			waitPage(t, ctx, "filtered", `location.search.includes('year=2019') && document.readyState === 'complete'`)
			got := libraryItems(t, ctx)
			if len(got) == 0 || len(got) >= len(all) {
				t.Fatalf("2019 / 现行有效: %d of %d documents: %q", len(got), len(all), got)
			}
			for _, it := range got {
				if !strings.Contains(it, "现行有效") {
					t.Errorf("filtered item %q is not 现行有效", it)
				}
			}
			if !strings.Contains(strings.Join(got, "\n"), "2019年宁波市海曙区政务公开工作要点") || !strings.Contains(strings.Join(got, "\n"), "2019年度") {
				t.Errorf("the 2019 plan (with its year) is not among %q", got)
			}
			if !strings.Contains(strings.Join(got, "\n"), "示例") {
				t.Errorf("no sample document labelled 示例 in %q", got)
			}
			if chips := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.querySelector('.lib-active').textContent`)); !strings.Contains(chips, "现行有效") || !strings.Contains(chips, "2019年") {
				t.Errorf("the chosen filters are not shown: %q", chips)
			}
			browsertest.Screenshot(t, ctx, "library-"+size.name+"-filtered.png")

			// A 文号 written with () finds the document written with 〔〕.
			browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/docs/"))
			waitPage(t, ctx, "library", `document.getElementById('lib-q') !== null`)
			browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.ID("lib-q"), "示例办发(2021)3号"), chromedp.Submit(chromedp.ID("lib-q")))
			waitPage(t, ctx, "文号 results", `location.search.includes('q=') && document.querySelector('.lib-count') !== null`)
			if c := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.querySelector('.lib-count').textContent`)); !strings.Contains(c, "文号 示例办发〔2021〕3号") {
				t.Errorf("文号 search says %q", c)
			}
			got = libraryItems(t, ctx)
			if len(got) == 0 || !strings.Contains(got[0], "政务公开工作考核办法（2021年版）") {
				t.Fatalf("文号 search: %q", got)
			}

			// Open the policy of 2019: its interpretation is beside it on a
			// desktop, after it on a phone (with a link to it at the top).
			browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/docs/?q="+url.QueryEscape("政务公开工作要点")+"&type=policy"))
			waitPage(t, ctx, "search results", `document.querySelector('.lib-item .lib-h a') !== null`)
			if rel := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.querySelector('.lib-item .lib-rel') ? document.querySelector('.lib-item .lib-rel').textContent : ''`)); !strings.Contains(rel, "解读") {
				t.Errorf("the result does not name its interpretation: %q", rel)
			}
			browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`.lib-item .lib-h a`)))
			waitPage(t, ctx, "policy page", `location.pathname.startsWith('/docs/haishu-zwgk-2019') && document.readyState === 'complete'`)
			aside := boxOf(t, ctx, `.doc-aside`)
			article := boxOf(t, ctx, `article.doc`)
			interp := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.querySelector('.doc-aside .related-interp') ? document.querySelector('.doc-aside .related-interp').textContent : ''`))
			if !strings.Contains(interp, "相关政策解读") || !strings.Contains(interp, "解读") {
				t.Fatalf("no interpretation beside the policy: %q", interp)
			}
			if size.phone {
				if aside.Top < article.Bottom-1 {
					t.Errorf("phone: the related documents (top %.0f) are not after the text (bottom %.0f)", aside.Top, article.Bottom)
				}
				browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`.doc-jump a`)))
				waitPage(t, ctx, "jumped to the interpretation", `location.hash === '#related'`)
			} else {
				// The result links to the matching paragraph; the related
				// documents stay in view beside it.
				inView := browsertest.Run(t, ctx, chromedp.Evaluate[bool](`(() => { const r = document.querySelector('.doc-aside').getBoundingClientRect();
				  return r.top >= 0 && r.bottom <= innerHeight; })()`))
				if aside.Left < article.Right || aside.Width < 250 || !inView {
					t.Errorf("desktop: the related documents %+v (in view %v) are not beside the text %+v", aside, inView, article)
				}
				if v := browsertest.Run(t, ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('.doc-jump')).display === 'none'`)); !v {
					t.Error("desktop: the jump link shows though the interpretation is beside the text")
				}
			}
			for _, want := range []string{"2019年度", "宁波市海曙区人民政府办公室", "2019年6月19日"} {
				if !strings.Contains(browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.querySelector('.doc-head').textContent`)), want) {
					t.Errorf("policy header lacks %q", want)
				}
			}
			browsertest.Screenshot(t, ctx, "library-"+size.name+"-policy.png")

			// From the interpretation, back to its policy.
			browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`.doc-aside .related-interp a`)))
			waitPage(t, ctx, "interpretation page", `location.pathname === '/docs/haishu-zwgk-2019-jiedu' && document.readyState === 'complete'`)
			if txt := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.querySelector('.doc-aside').textContent`)); !strings.Contains(txt, "本文解读的政策") || !strings.Contains(txt, "2019年宁波市海曙区政务公开工作要点") {
				t.Errorf("the interpretation does not show its policy: %q", txt)
			}

			// A replaced document names its replacement beside it.
			browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/docs/sample-zwgk-kaohe-2018"))
			waitPage(t, ctx, "replaced policy", `document.querySelector('.doc-aside') !== null`)
			if txt := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.querySelector('.doc-aside').textContent`)); !strings.Contains(txt, "替代本文件的现行文件") {
				t.Errorf("the repealed policy does not name its replacement: %q", txt)
			}
		})
	}
}

// TestBrowserLibraryWithoutJavaScript searches and filters with scripts off.
func TestBrowserLibraryWithoutJavaScript(t *testing.T) {
	rs := a11yServer(t, nil)
	ctx := browsertest.New(t)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, ctx, phone(), chromedp.Navigate(rs.base+"/docs/"))
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.ID("lib-q")),
		chromedp.SendKeys(chromedp.ID("lib-q"), "示例办发[2018]1号"), chromedp.Submit(chromedp.ID("lib-q")))
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := browsertest.Run(t, ctx, chromedp.Evaluate[string](`location.search + ' ' + (document.querySelector('.lib-item .lib-h a') || {textContent: ''}).textContent`))
		if strings.Contains(got, "2018年版") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("without JavaScript the 文号 search gave %q", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if on := browsertest.Run(t, ctx, chromedp.Evaluate[bool](`document.getElementById('govchat-widget') !== null`)); on {
		t.Error("scripts ran")
	}
}
