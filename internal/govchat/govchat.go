// Package govchat is the vocabulary every side of a conversation speaks:
// a question and its answer (Request, Answer, Turn, Mode), what the
// conversation log keeps of them (Record, Feedback), who is on a connection
// (Role, Principal, Authenticator) and the coded error a client is shown
// (Error). It imports only the standard library and internal/kb, so that
// the chat hub, the HTTP server, the handoff desk and the WeChat login can
// meet on these types without importing the answerer, the search engine or
// the history database that produce them (in the manner of
// benbjohnson/wtf's root package).
package govchat
