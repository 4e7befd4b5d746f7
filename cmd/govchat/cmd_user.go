package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/govchat/govchat/internal/auth"
)

func init() {
	register(command{name: "user", summary: "manage operator and admin accounts (add | list | disable | enable | passwd)", run: runUser})
}

const userUsage = `usage:
  govchat user add --username NAME --name 姓名 --staff-no 工号 [--role operator|admin] [--password-stdin]
  govchat user list
  govchat user disable NAME
  govchat user enable NAME
  govchat user passwd NAME [--password-stdin]

The password is asked on the terminal (twice), or read as the first line of
standard input with --password-stdin. Accounts live in <data>/auth.db, or in PostgreSQL with GOVCHAT_DATABASE_URL.`

func runUser(ctx context.Context, env *Env, args []string) error {
	sub, args := subcommand(args)
	if sub == "help" || sub == "" && slices.ContainsFunc(args, isHelpFlag) {
		fmt.Fprintln(env.Stderr, userUsage)
		return nil
	}
	if sub == "" {
		fmt.Fprintln(env.Stderr, userUsage)
		return exitError{2}
	}
	fs := newFlags(env, "user "+sub)
	fs.Usage = func() { fmt.Fprintln(env.Stderr, userUsage); fs.PrintDefaults() }
	var username, name, staff, role string
	var pwStdin bool
	switch sub {
	case "add":
		fs.StringVar(&username, "username", "", "sign-in name (lowercase letters, digits, . _ -)")
		fs.StringVar(&name, "name", "", "real name (shown to colleagues, never to citizens)")
		fs.StringVar(&staff, "staff-no", "", "工号, the number citizens see")
		fs.StringVar(&role, "role", "operator", "operator or admin")
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	case "passwd":
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	case "list", "disable", "enable":
	default:
		fmt.Fprintf(env.Stderr, "govchat user: unknown subcommand %q\n\n%s\n", sub, userUsage)
		return exitError{2}
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	needName := sub == "disable" || sub == "enable" || sub == "passwd"
	if needName && len(rest) != 1 || !needName && len(rest) != 0 {
		fmt.Fprintln(env.Stderr, userUsage)
		return exitError{2}
	}
	if sub == "add" && (username == "" || name == "" || staff == "") {
		return errors.New("--username, --name and --staff-no are required")
	}
	svc, err := openAuth(ctx, env)
	if err != nil {
		return err
	}
	defer svc.Close()
	actor := auth.Event{Actor: "cli"}
	switch sub {
	case "add":
		pw, err := readPassword(env, pwStdin)
		if err != nil {
			return err
		}
		u, err := svc.AddUser(ctx, auth.NewUser{Username: username, Name: name, StaffNo: staff, Role: auth.Role(role), Password: pw})
		if err != nil {
			return err
		}
		actor.Action, actor.Target = "user_add", u.Username+" ("+string(u.Role)+")"
		svc.Record(ctx, actor)
		fmt.Fprintf(env.Stdout, "added %s (%s, 工号 %s, %s)\n", u.Username, u.Name, u.StaffNo, u.Role)
	case "list":
		users, err := svc.Users(ctx)
		if err != nil {
			return err
		}
		rows := [][]string{{"USERNAME", "NAME", "STAFF-NO", "ROLE", "STATUS", "LAST LOGIN"}}
		for _, u := range users {
			status, last := "active", "-"
			if u.Disabled {
				status = "disabled"
			}
			if !u.LastSeen.IsZero() {
				last = u.LastSeen.Format("2006-01-02 15:04")
			}
			rows = append(rows, []string{u.Username, u.Name, u.StaffNo, string(u.Role), status, last})
		}
		return writeTable(env.Stdout, "", rows)
	case "disable", "enable":
		if err := svc.SetDisabled(ctx, rest[0], sub == "disable"); err != nil {
			return err
		}
		actor.Action, actor.Target = "user_"+sub, rest[0]
		svc.Record(ctx, actor)
		fmt.Fprintf(env.Stdout, "%sd %s\n", sub, rest[0])
	case "passwd":
		if _, err := svc.User(ctx, rest[0]); err != nil {
			return err
		}
		pw, err := readPassword(env, pwStdin)
		if err != nil {
			return err
		}
		if err := svc.SetPassword(ctx, rest[0], pw); err != nil {
			return err
		}
		actor.Action, actor.Target = "user_passwd", rest[0]
		svc.Record(ctx, actor)
		fmt.Fprintf(env.Stdout, "password changed for %s; its sessions were ended\n", rest[0])
	}
	return nil
}

// readPassword reads a password from the first line of stdin
// (--password-stdin) or asks twice on the terminal.
func readPassword(env *Env, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(io.LimitReader(env.Stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", errors.New("no password on standard input")
		}
		return pw, nil
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("standard input is not a terminal: pass --password-stdin and pipe the password")
	}
	fmt.Fprintf(env.Stderr, "密码 (至少 %d 个字符): ", auth.MinPasswordLen)
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(env.Stderr, "再次输入密码: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(a) != string(b) {
		return "", errors.New("the two passwords differ")
	}
	return string(a), nil
}
