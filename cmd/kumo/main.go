// Command kumo is Kumo's single binary: `kumo server` runs the control
// plane (all-in-one by default), `kumo agent` a host agent, and every other
// subcommand is a client of the native API.
package main

import (
	"os"

	"github.com/kumo-cloud/kumo/internal/cli"
)

func main() {
	os.Exit(cli.Execute(os.Args[1:], os.Stdout, os.Stderr))
}
