package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestZStackResourcesAndRunIntervals(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Microsecond)
			r := ZStackResource{Kind: "policy", UUID: "a1", Body: []byte(`{"name":"p"}`), CreatedAt: now}
			if err := db.PutZStackResource(ctx, r); err != nil {
				t.Fatal(err)
			}
			r.Body = []byte(`{"name":"q"}`)
			if err := db.PutZStackResource(ctx, r); err != nil {
				t.Fatal(err)
			}
			got, err := db.GetZStackResource(ctx, "policy", "a1")
			if err != nil || string(got.Body) != `{"name":"q"}` || !got.CreatedAt.Equal(now) {
				t.Fatalf("get = %+v, %v", got, err)
			}
			if list, _ := db.ListZStackResources(ctx, "quota"); len(list) != 0 {
				t.Fatalf("other kind listed: %+v", list)
			}
			if err := db.DeleteZStackResource(ctx, "policy", "a1"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.GetZStackResource(ctx, "policy", "a1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("deleted object: %v", err)
			}

			// Opening twice keeps the first start; closing ends it.
			if err := db.OpenRunInterval(ctx, "vm1", now); err != nil {
				t.Fatal(err)
			}
			if err := db.OpenRunInterval(ctx, "vm1", now.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := db.CloseRunInterval(ctx, "vm1", now.Add(5*time.Second)); err != nil {
				t.Fatal(err)
			}
			runs, err := db.ListRunIntervals(ctx)
			if err != nil || len(runs) != 1 || !runs[0].Started.Equal(now) || runs[0].Stopped.Sub(runs[0].Started) != 5*time.Second {
				t.Fatalf("runs = %+v, %v", runs, err)
			}
		})
	}
}
