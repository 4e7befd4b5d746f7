package govchat

import "time"

// GapReasons are the refusal reasons that mark a gap in the knowledge base:
// nothing found answers the question (low_confidence; "" in records from
// before reasons were kept). Other refusals — chit-chat, another region or
// subject (weather), prompt injection, harmful or sensitive requests,
// failures — are not gaps: the unanswered report leaves them out and only
// counts them (NotGaps).
var GapReasons = []string{"low_confidence", ""}

// KnowledgeGap reports whether a refusal for reason is a knowledge gap.
func KnowledgeGap(reason string) bool {
	for _, r := range GapReasons {
		if r == reason {
			return true
		}
	}
	return false
}

// UnansweredQuery selects the questions of the unanswered report.
type UnansweredQuery struct {
	Since time.Time // only questions asked at or after Since (zero: all)
	Limit int       // groups to return (default 50)
	// MaxScan bounds the questions read (most recent first, default 20000).
	MaxScan int
	// Similarity is the character-bigram Jaccard similarity at or above
	// which two wordings join one group (default 0.5; 1 groups only equal
	// normalised wordings).
	Similarity float64
}

// Group is one gap in the knowledge base: a question (in its various
// wordings) that was refused or marked unhelpful.
type Group struct {
	Question        string         `json:"question"` // the most recent wording
	Count           int            `json:"count"`
	Refused         int            `json:"refused"`
	Unhelpful       int            `json:"unhelpful"`
	Reasons         map[string]int `json:"reasons,omitempty"`          // refusal reasons
	FeedbackReasons []string       `json:"feedback_reasons,omitempty"` // citizens' 👎 reasons (distinct, up to 5)
	Variants        []string       `json:"variants,omitempty"`         // other wordings (distinct, up to 5)
	FirstAsked      time.Time      `json:"first_asked"`
	LastAsked       time.Time      `json:"last_asked"`
	AnswerIDs       []string       `json:"answer_ids"` // most recent first, up to 10
}
