package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func imageCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "image", Short: "Manage images"}
	cmd.AddCommand(imageUploadCmd(g), imageListCmd(g), imageShowCmd(g), imageDeleteCmd(g))
	return cmd
}

func imageTable(w *tabwriter.Writer, imgs ...api.Image) {
	fmt.Fprintln(w, "NAME\tFORMAT\tSIZE\tVIRTUAL SIZE\tSTATE\tID")
	for _, i := range imgs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", i.Name, i.Format, humanBytes(i.SizeBytes), humanBytes(i.VirtualSize), i.State, i.ID)
	}
}

func imageUploadCmd(g *globals) *cobra.Command {
	var name, format string
	cmd := &cobra.Command{
		Use:   "upload FILE",
		Short: "Upload a qcow2, raw or ISO image",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			if name == "" {
				name = strings.TrimSuffix(filepath.Base(args[0]), filepath.Ext(args[0]))
			}
			progress := g.newUploadProgress(f, fi.Size())
			img, err := g.client().UploadImage(cmd.Context(), name, format, progress, fi.Size())
			if err != nil {
				return err
			}
			progress.show(true)
			return g.print(img, func(w *tabwriter.Writer) { imageTable(w, img) })
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "image name (default: the file name without extension)")
	cmd.Flags().StringVar(&format, "format", "", "qcow2, raw or iso (default: detect)")
	return cmd
}

func imageListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List images",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			imgs, err := g.client().Images(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(imgs, func(w *tabwriter.Writer) { imageTable(w, imgs...) })
		},
	}
}

func imageShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:               "show NAME",
		Short:             "Show an image",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: g.completeImages,
		RunE: func(cmd *cobra.Command, args []string) error {
			img, err := g.client().Image(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(img, func(w *tabwriter.Writer) {
				for _, kv := range [][2]string{
					{"Name", img.Name}, {"ID", img.ID}, {"Format", img.Format}, {"State", img.State},
					{"Size", humanBytes(img.SizeBytes)}, {"Virtual size", humanBytes(img.VirtualSize)},
					{"SHA256", img.SHA256}, {"Created", img.CreatedAt.Local().Format(time.RFC3339)}, {"Description", img.Description},
				} {
					fmt.Fprintf(w, "%s:\t%s\n", kv[0], kv[1])
				}
			})
		},
	}
}

func imageDeleteCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an image no VM uses",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteImage(cmd.Context(), args[0])
		},
	}
}
