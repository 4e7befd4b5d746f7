package events_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/govchat/govchat/api"
	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/safety"
)

// personal is what a citizen may type into any field: a mobile number, a
// 身份证号 in groups and a landline.
const personal = "张先生 13800001111，身份证 330203 19900101 1234，座机0574-87654321"

var digitsRe = regexp.MustCompile(`\d{7,}`)

var at = time.Date(2026, 6, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// samples holds one of each event type with personal data in every free
// text field.
func samples() []events.Data {
	src := events.NewSource(1, "haishu-zwgk-2019", "政务公开工作要点", "s2-1")
	return []events.Data{
		events.LeaveMessage{MessageID: "m_7", SessionID: "s_0d40f359196df4c9", Created: at, Text: "请回电 " + personal, Contact: "13800001111"},
		events.HandoffUnresolved{Conversation: "h_1", SessionID: "s_1", Reason: "requested", Outcome: events.OutcomeUnresolved, EndedBy: "operator",
			Created: at, Taken: at.Add(time.Minute), Closed: at.Add(5 * time.Minute), StaffNo: "1001",
			Transcript: []events.TranscriptEntry{
				{At: at, From: "citizen", Text: "我的电话 " + personal},
				{At: at, From: "bot", Text: "抱歉", Refused: true},
				{At: at, From: "operator", Text: "已记录 " + personal, StaffNo: "1001", Sources: []events.Source{src}},
			}},
		events.FeedbackNegative{AnswerID: "a_1", SessionID: "s_1", Channel: "ws", Asked: at, Question: "问 " + personal, Answer: "答 " + personal,
			Refused: false, Mode: "extractive", Sources: []events.Source{src}, Reason: "没有回答 " + personal, Rated: at.Add(time.Minute)},
		events.FeedbackNegative{AnswerID: "a_2", SessionID: "s_1", Channel: "api", Asked: at, Question: "你好", Answer: "抱歉", Refused: true,
			RefusalReason: "chitchat", Mode: "refused", Reason: "没用", Rated: at},
		events.ReviewApproved{ItemID: 3, Kind: "flag", Created: at, StaffNo: "1001", Approved: at, ApprovedBy: "boss", Resolution: "已改 " + personal,
			DocID: "haishu-zwgk-2019", Anchor: "s2-1", DocURL: "/docs/haishu-zwgk-2019#s2-1", Problem: "outdated", ProblemLabel: "内容过时", Note: "过时 " + personal},
		events.ReviewApproved{ItemID: 4, Kind: "proposal", Created: at, StaffNo: "1001", Approved: at, ApprovedBy: "boss",
			Question: "问 " + personal, Similar: []string{personal}, Answer: "答 " + personal, Department: "区政府办公室", Sources: []string{"haishu-zwgk-2019"}, Conversation: "h_1"},
	}
}

func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.EventSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("events.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("events.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every event type is made, matches the schema, and carries no personal
// number except a 留言's contact.
func TestEventsMatchSchemaAndAreRedacted(t *testing.T) {
	sch := schema(t)
	m := events.Maker{Redact: safety.Redact, Source: "https://govchat.example.gov.cn"}
	seen := map[string]bool{}
	ids := map[string]bool{}
	for _, d := range samples() {
		e, err := m.New(at, d)
		if err != nil {
			t.Fatal(err)
		}
		seen[e.Type] = true
		if ids[e.ID] {
			t.Errorf("id %s made twice", e.ID)
		}
		ids[e.ID] = true
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(e.Body))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s does not match events.schema.json: %v\n%s", e.Type, err, e.Body)
		}
		var env struct {
			ID, Type string
			Version  int
			Time     time.Time
			Data     map[string]any
		}
		if err := json.Unmarshal(e.Body, &env); err != nil {
			t.Fatal(err)
		}
		if env.ID != e.ID || env.Type != d.EventType() || env.Version != 1 || !env.Time.Equal(at) {
			t.Errorf("envelope %+v, event %s %s", env, e.ID, e.Type)
		}
		if e.Type == events.TypeLeaveMessage {
			if env.Data["contact"] != "13800001111" {
				t.Errorf("the 留言's contact was not sent as given: %v", env.Data["contact"])
			}
			delete(env.Data, "contact")
		}
		rest, _ := json.Marshal(env.Data)
		if m := digitsRe.FindString(string(rest)); m != "" {
			t.Errorf("%s carries %q: %s", e.Type, m, rest)
		}
		if e.Type != events.TypeLeaveMessage && strings.Contains(string(rest), "13800001111") {
			t.Errorf("%s carries a phone number", e.Type)
		}
	}
	for _, typ := range events.Types {
		if !seen[typ] {
			t.Errorf("no sample of %s", typ)
		}
	}
}

// The schema is closed: an undocumented field, a wrong enum value or a
// missing field is rejected.
func TestSchemaRejectsWhatItDoesNotDescribe(t *testing.T) {
	sch := schema(t)
	e, err := events.Maker{Redact: safety.Redact}.New(at, samples()[0])
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(map[string]any){
		"extra envelope field": func(m map[string]any) { m["extra"] = 1 },
		"extra data field":     func(m map[string]any) { m["data"].(map[string]any)["phone"] = "x" },
		"missing contact":      func(m map[string]any) { delete(m["data"].(map[string]any), "contact") },
		"unknown type":         func(m map[string]any) { m["type"] = "leave_message.deleted" },
		"version 2":            func(m map[string]any) { m["version"] = 2 },
		"bad id":               func(m map[string]any) { m["id"] = "1" },
		"bad time":             func(m map[string]any) { m["time"] = "yesterday" },
		"handoff data":         func(m map[string]any) { m["type"] = events.TypeHandoffUnresolved },
	} {
		var m map[string]any
		json.Unmarshal(e.Body, &m)
		edit(m)
		b, _ := json.Marshal(m)
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if sch.Validate(v) == nil {
			t.Errorf("%s: accepted %s", name, b)
		}
	}
}

func TestMakerNeedsRedaction(t *testing.T) {
	if _, err := (events.Maker{}).New(at, samples()[0]); err == nil {
		t.Error("made an event without a redaction function")
	}
}
