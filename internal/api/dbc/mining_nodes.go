package dbc

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// NodeID is the DBC node id of a Kumo host: DBC names nodes by 64 hex
// digits, and a hash of the host's id gives that form, stable for the
// host's life.
func NodeID(hostID string) string {
	sum := sha256.Sum256([]byte("kumo-host:" + hostID))
	return hex.EncodeToString(sum[:])
}

// miningNode is a GPU node's configuration as DBC shows it.
type miningNode struct {
	NodeID string `json:"node_id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	GPU    struct {
		Num int `json:"num"`
	} `json:"gpu"`
	CPU struct {
		Cores int    `json:"cores"`
		Usage string `json:"used_usage"`
	} `json:"cpu"`
	Mem struct {
		Size string `json:"size"`
		Free string `json:"free"`
	} `json:"mem"`
	Disk struct {
		Size string `json:"size"`
		Free string `json:"free"`
	} `json:"disk_data"`
	Accel string `json:"accel"`
}

// gib writes a size in GiB as DBC does: "1.0G", "0.5G", and as many
// decimals as a size needs up to three ("0.25G", "0.125G"), so the
// mem_size a VM was made with reads back as given.
func gib(b int64) string {
	s := strconv.FormatFloat(math.Round(float64(b)/(1<<30)*1000)/1000, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s + "G"
}

func miningNodeOf(h model.Host) miningNode {
	n := miningNode{NodeID: NodeID(h.ID), Name: h.Name, State: string(h.State), Accel: h.Accel}
	n.GPU.Num = h.GPUs
	n.CPU.Cores = h.CPUs
	if h.CPUs > 0 {
		n.CPU.Usage = fmt.Sprintf("%.1f%%", h.CPUUsage/float64(h.CPUs))
	}
	n.Mem.Size, n.Mem.Free = gib(h.MemoryBytes), gib(h.MemoryAvailableBytes)
	n.Disk.Size, n.Disk.Free = gib(h.DiskBytes), gib(h.DiskFreeBytes)
	return n
}

// nodes returns the hosts the call's peer_nodes_list names, all hosts if
// it names none. DBC's GPU nodes are public: anyone may read their
// configuration, so this needs no credentials.
func (s *Server) nodes(c *call) ([]model.Host, error) {
	hosts, err := s.svc.PublicHosts(c.ctx())
	if err != nil {
		return nil, err
	}
	if len(c.body.PeerNodesList) == 0 {
		return hosts, nil
	}
	byNode := map[string]model.Host{}
	for _, h := range hosts {
		byNode[NodeID(h.ID)] = h
	}
	var out []model.Host
	for _, id := range c.body.PeerNodesList {
		h, ok := byNode[id]
		if !ok {
			return nil, model.Errorf(model.CodeNotFound, "no GPU node %q in peer_nodes_list here", id)
		}
		out = append(out, h)
	}
	return out, nil
}

// node returns the one host a call is for: the node it names, or the
// only host when it names none.
func (s *Server) node(c *call) (model.Host, error) {
	hosts, err := s.nodes(c)
	if err != nil {
		return model.Host{}, err
	}
	if len(hosts) != 1 {
		return model.Host{}, model.FieldError("peer_nodes_list", "must name exactly one GPU node (there are %d)", len(hosts))
	}
	return hosts[0], nil
}

// miningNodes answers a node's configuration: one object for one node
// named, as DBC answers; a list when none is named (all of them).
func (s *Server) miningNodes(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	hosts, err := s.nodes(c)
	if err != nil {
		return nil, err
	}
	if len(c.body.PeerNodesList) == 1 {
		return miningNodeOf(hosts[0]), nil
	}
	out := []miningNode{}
	for _, h := range hosts {
		out = append(out, miningNodeOf(h))
	}
	return out, nil
}

// sessionID issues a session id to the renter's wallet, which signed the
// request; the renter hands it out with its signature of the id.
func (s *Server) sessionID(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	if _, err := s.nodes(c); err != nil {
		return nil, err
	}
	// The wallet's signature was checked (and its nonce used up) by
	// authenticate; issuing takes a fresh session.
	sess, err := s.svc.NewDBCSession(c.ctx(), c.wallet)
	if err != nil {
		return nil, err
	}
	return map[string]string{"session_id": sess.ID, "wallet": sess.Wallet}, nil
}
