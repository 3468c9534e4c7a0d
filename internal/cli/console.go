package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// detachKey ends `kumo vm console` on a terminal: Ctrl-], as telnet and
// virsh console use, since the guest never needs it.
const detachKey = 0x1d

func vmConsoleCmd(g *globals) *cobra.Command {
	var linger time.Duration
	cmd := &cobra.Command{
		Use:   "console NAME",
		Short: "Attach the terminal to a VM's serial console (Ctrl-] detaches)",
		Long: `Attaches to the guest's first serial port (ttyS0) through the server.

On a terminal, keys go to the guest as typed (raw mode) and Ctrl-] detaches.
Otherwise standard input is sent as it is, and the command ends --linger
after standard input ends, so a script can send a command and read its answer:

  echo 'uname -a' | kumo vm console web-1 --linger 2s

What the guest printed before you attached is in its serial log.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			conn, err := g.client().Console(ctx, args[0], "serial")
			if err != nil {
				return err
			}
			defer conn.Close()
			in := cmd.InOrStdin()
			if f, ok := terminal(in); ok {
				old, err := term.MakeRaw(int(f.Fd()))
				if err != nil {
					return err
				}
				defer term.Restore(int(f.Fd()), old)
				fmt.Fprintf(g.stderr, "Connected to the serial console of %s; Ctrl-] detaches.\r\n", args[0])
				return attachTerminal(conn, f, g.stdout)
			}
			return attachPipe(conn, in, g.stdout, linger)
		},
	}
	cmd.Flags().DurationVar(&linger, "linger", time.Second, "when standard input is not a terminal: how long to keep printing after it ends")
	return cmd
}

// attachTerminal copies keys to the console until the detach key and
// the console to out until it ends.
func attachTerminal(conn net.Conn, in io.Reader, out io.Writer) error {
	printed := make(chan error, 1)
	go func() {
		_, err := io.Copy(out, conn)
		printed <- err
	}()
	typed := make(chan error, 1)
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := in.Read(buf)
			if i := bytes.IndexByte(buf[:n], detachKey); i >= 0 {
				conn.Write(buf[:i])
				typed <- nil
				return
			}
			if _, werr := conn.Write(buf[:n]); werr != nil {
				typed <- werr
				return
			}
			if err != nil {
				typed <- nil
				return
			}
		}
	}()
	var err error
	select {
	case err = <-printed: // the console ended
	case err = <-typed: // detached, or the input ended
		conn.Close()
		<-printed
	}
	conn.Close()
	if isClosed(err) {
		return nil
	}
	return err
}

// attachPipe sends in to the console, then prints what comes back for
// linger more.
func attachPipe(conn net.Conn, in io.Reader, out io.Writer, linger time.Duration) error {
	printed := make(chan error, 1)
	go func() {
		_, err := io.Copy(out, conn)
		printed <- err
	}()
	if _, err := io.Copy(conn, in); err != nil && !isClosed(err) {
		return err
	}
	select {
	case err := <-printed:
		if isClosed(err) {
			return nil
		}
		return err
	case <-time.After(linger):
		// Nothing may write to out once we return.
		conn.Close()
		<-printed
		return nil
	}
}

func isClosed(err error) bool {
	return err == nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled)
}

func vmVNCCmd(g *globals) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "vnc NAME",
		Short: "Open a local port for a VNC viewer to a VM's screen",
		Long: `Listens on a local address (a free port on 127.0.0.1 by default) and joins
each VNC viewer that connects to the VM's screen through the server, until
interrupted. For example: kumo vm vnc web-1 --listen 127.0.0.1:5901, then
vncviewer 127.0.0.1::5901.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c := g.client()
			// Fail now, not when the first viewer connects, if the VM
			// has no console or the caller may not open it.
			if _, err := c.ConsoleTicket(ctx, args[0], "vnc"); err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			defer ln.Close()
			fmt.Fprintf(g.stdout, "VNC of %s at %s (Ctrl-C ends)\n", args[0], ln.Addr())
			go func() {
				<-ctx.Done()
				ln.Close()
			}()
			for {
				viewer, err := ln.Accept()
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return err
				}
				go func() {
					defer viewer.Close()
					conn, err := c.Console(ctx, args[0], "vnc")
					if err != nil {
						fmt.Fprintf(g.stderr, "kumo: %v\n", err)
						return
					}
					defer conn.Close()
					done := make(chan struct{}, 2)
					go func() { io.Copy(conn, viewer); done <- struct{}{} }()
					go func() { io.Copy(viewer, conn); done <- struct{}{} }()
					<-done
				}()
			}
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "local address for the VNC viewer")
	return cmd
}
