package zstack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Until the core had tenants (commit ee3363b), this dialect kept its
// accounts' extras, users of accounts, groups, policies, quotas, shares,
// scheduler jobs and triggers, prices and LDAP setup as JSON documents in
// zstack_resources. UpgradeLegacy converts what an upgraded installation
// still has of them, once, at start: it translates ZStack's names into
// the core's here and hands the result to service.ImportLegacy, which
// stores it and deletes the documents in one transaction.

// legacyKinds are the document kinds of the pre-tenant format (the
// console proxy agent's "consoleAgent" is still in use).
var legacyKinds = []string{"account", "user", "group", "policy", "quota", "share", "schedulerJob", "schedulerTrigger", "price",
	"ldapServer", "ldapBinding"}

// The documents' formats before ee3363b, as they are stored. A uuid is a
// Kumo id without hyphens; an account's uuid is its Kumo user's id.

type legacyAccount struct {
	Description string `json:"description"`
}

type legacyUser struct {
	AccountUUID string   `json:"accountUuid"`
	Description string   `json:"description"`
	PolicyUUIDs []string `json:"policyUuids"`
}

type legacyGroup struct {
	AccountUUID string   `json:"accountUuid"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	UserUUIDs   []string `json:"userUuids"`
	PolicyUUIDs []string `json:"policyUuids"`
}

type legacyStatement struct {
	Name    string   `json:"name"`
	Effect  string   `json:"effect"`
	Actions []string `json:"actions"`
}

type legacyPolicy struct {
	AccountUUID string            `json:"accountUuid"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Statements  []legacyStatement `json:"statements"`
}

// legacyQuota is stored under "<account uuid>:<name>".
type legacyQuota struct {
	Name         string `json:"name"`
	IdentityUUID string `json:"identityUuid"`
	Value        int64  `json:"value"`
}

// legacyShare is stored under "<resource uuid>:<account uuid or public>".
type legacyShare struct {
	ReceiverAccountUUID string `json:"receiverAccountUuid"`
	ToPublic            bool   `json:"toPublic"`
	ResourceType        string `json:"resourceType"`
	ResourceUUID        string `json:"resourceUuid"`
}

// legacySchedulerJob and legacyTrigger name their account, not the user
// who made them: they ran as the control plane then.
type legacySchedulerJob struct {
	AccountUUID        string         `json:"accountUuid"`
	Name               string         `json:"name"`
	Description        string         `json:"description"`
	TargetResourceUUID string         `json:"targetResourceUuid"`
	Type               string         `json:"type"`
	Parameters         map[string]any `json:"parameters"`
	State              string         `json:"state"`
	LastResult         string         `json:"lastResult"`
}

type legacyTrigger struct {
	AccountUUID       string   `json:"accountUuid"`
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	SchedulerType     string   `json:"schedulerType"`
	SchedulerInterval int64    `json:"schedulerInterval"` // seconds
	RepeatCount       int64    `json:"repeatCount"`
	StartTime         int64    `json:"startTime"` // epoch milliseconds
	Cron              string   `json:"cron"`
	JobsUUID          []string `json:"jobsUuid"`
	FireCount         int64    `json:"fireCount"`
	LastFireTime      int64    `json:"lastFireTime"`
}

type legacyPrice struct {
	ResourceName string  `json:"resourceName"`
	ResourceUnit string  `json:"resourceUnit"`
	TimeUnit     string  `json:"timeUnit"`
	Price        float64 `json:"price"`
	DateInLong   int64   `json:"dateInLong"` // epoch milliseconds
}

type legacyLdapServer struct {
	Name           string `json:"name"`
	Description    string `json:"description"`
	URL            string `json:"url"`
	Base           string `json:"base"`
	Username       string `json:"username"`
	Password       string `json:"password"`
	Encryption     string `json:"encryption"`
	LoginAttribute string `json:"loginAttribute"`
}

type legacyLdapBinding struct {
	LdapUID        string `json:"ldapUid"`
	LdapServerUUID string `json:"ldapServerUuid"`
	AccountUUID    string `json:"accountUuid"`
}

// UpgradeLegacy converts the documents of the pre-tenant format into the
// core's tables, all or none, and logs what it did; with none left it
// is one query. ctx must be the control plane's (service.AsControlPlane).
func UpgradeLegacy(ctx context.Context, svc *service.Service, log *slog.Logger) error {
	docs, err := svc.ZStackDocuments(ctx, legacyKinds...)
	if err != nil {
		return fmt.Errorf("read the ZStack documents of the pre-tenant format: %w", err)
	}
	if len(docs) == 0 {
		return nil
	}
	rep, err := svc.ImportLegacy(ctx, translateLegacy(docs))
	if err != nil {
		return fmt.Errorf("convert the ZStack documents of the pre-tenant format (nothing was changed; the next start tries again): %w", err)
	}
	for _, d := range rep.Dropped {
		log.Warn("dropped a ZStack document of the pre-tenant format", "kind", d.Kind, "uuid", d.UUID, "reason", d.Reason)
	}
	for _, d := range rep.Trimmed {
		log.Warn("converted a ZStack document of the pre-tenant format in part", "kind", d.Kind, "uuid", d.UUID, "reason", d.Reason)
	}
	args := []any{"dropped", len(rep.Dropped), "trimmed", len(rep.Trimmed), "objects_moved", rep.Moved}
	for _, k := range legacyKinds {
		args = append(args, k, rep.Converted[k])
	}
	log.Info("converted the ZStack documents of the pre-tenant format into the core's tables", args...)
	return nil
}

// translateLegacy puts the documents into core terms.
func translateLegacy(docs []service.ZStackDocument) service.LegacyImport {
	var in service.LegacyImport
	for _, d := range docs {
		src := service.LegacySource{Kind: d.Kind, UUID: d.UUID}
		if reason := translateDocument(&in, src, d); reason != "" {
			in.Untranslatable = append(in.Untranslatable, service.LegacyIssue{Kind: d.Kind, UUID: d.UUID, Reason: reason})
		}
	}
	return in
}

// translateDocument adds one document to in, or says why it cannot.
func translateDocument(in *service.LegacyImport, src service.LegacySource, d service.ZStackDocument) string {
	id := legacyID(d.UUID)
	unreadable := fmt.Sprintf("not the JSON of a %s document of the old format", d.Kind)
	switch d.Kind {
	case "account":
		var a legacyAccount
		if json.Unmarshal(d.Body, &a) != nil {
			return unreadable
		}
		in.Accounts = append(in.Accounts, service.LegacyAccount{From: src, UserID: id, Description: a.Description, CreatedAt: d.CreatedAt})
	case "user":
		var u legacyUser
		if json.Unmarshal(d.Body, &u) != nil {
			return unreadable
		}
		in.Users = append(in.Users, service.LegacyUser{From: src, UserID: id, AccountID: legacyID(u.AccountUUID),
			Description: u.Description, RoleIDs: legacyIDs(u.PolicyUUIDs)})
	case "group":
		var g legacyGroup
		if json.Unmarshal(d.Body, &g) != nil {
			return unreadable
		}
		in.Groups = append(in.Groups, service.LegacyGroup{From: src, AccountID: legacyID(g.AccountUUID),
			Group:     model.UserGroup{ID: id, Name: g.Name, Description: g.Description, CreatedAt: d.CreatedAt},
			MemberIDs: legacyIDs(g.UserUUIDs), RoleIDs: legacyIDs(g.PolicyUUIDs)})
	case "policy":
		var p legacyPolicy
		if json.Unmarshal(d.Body, &p) != nil {
			return unreadable
		}
		// As createPolicy makes them: the core permissions behind the
		// APIs named, and the actions as given to show them back.
		sts := make([]model.Statement, 0, len(p.Statements))
		for i, st := range p.Statements {
			effect := map[string]model.Effect{"Allow": model.Allow, "Deny": model.Deny}[st.Effect]
			if effect == "" {
				return fmt.Sprintf("statement %d: effect %q is neither Allow nor Deny", i, st.Effect)
			}
			sts = append(sts, model.Statement{Name: st.Name, Effect: effect, Actions: corePermissions(st.Actions), Given: st.Actions})
		}
		in.Roles = append(in.Roles, service.LegacyRole{From: src, AccountID: legacyID(p.AccountUUID),
			Role: model.Role{ID: id, Name: p.Name, Description: p.Description, Statements: sts, CreatedAt: d.CreatedAt}})
	case "quota":
		var q legacyQuota
		if json.Unmarshal(d.Body, &q) != nil {
			return unreadable
		}
		core, ok := quotaNames[q.Name]
		if !ok {
			return fmt.Sprintf("Kumo has no quota %q", q.Name)
		}
		in.Quotas = append(in.Quotas, service.LegacyQuota{From: src, AccountID: legacyID(q.IdentityUUID), Name: core, Value: q.Value})
	case "share":
		var sh legacyShare
		if json.Unmarshal(d.Body, &sh) != nil {
			return unreadable
		}
		kind := map[string]string{"VmInstanceVO": "vm", "ImageVO": "image"}[sh.ResourceType]
		if kind == "" {
			return fmt.Sprintf("Kumo shares VMs and images, not %q resources", sh.ResourceType)
		}
		in.Shares = append(in.Shares, service.LegacyShare{From: src, ObjectKind: kind, ObjectID: legacyID(sh.ResourceUUID),
			ReceiverID: legacyID(sh.ReceiverAccountUUID), Public: sh.ToPublic, CreatedAt: d.CreatedAt})
	case "schedulerJob":
		var j legacySchedulerJob
		if json.Unmarshal(d.Body, &j) != nil {
			return unreadable
		}
		action, ok := schedulerJobTypes[j.Type]
		if !ok {
			return fmt.Sprintf("Kumo runs no scheduler jobs of type %q", j.Type)
		}
		// The job belongs to its account's user, the admin of the
		// account's tenant: the document does not say who made it.
		in.Jobs = append(in.Jobs, service.LegacyScheduleJob{From: src, OwnerID: legacyID(j.AccountUUID), Job: model.ScheduleJob{
			ID: id, Name: j.Name, Description: j.Description, VMID: legacyID(j.TargetResourceUUID), Action: action,
			GivenType: j.Type, Parameters: j.Parameters, Enabled: j.State != "Disabled", LastResult: j.LastResult,
			CreatedAt: d.CreatedAt}})
	case "schedulerTrigger":
		var t legacyTrigger
		if json.Unmarshal(d.Body, &t) != nil {
			return unreadable
		}
		tr := model.ScheduleTrigger{ID: id, Name: t.Name, Description: t.Description, Kind: t.SchedulerType,
			StartAt: time.UnixMilli(t.StartTime).UTC(), Interval: time.Duration(t.SchedulerInterval) * time.Second,
			Repeat: t.RepeatCount, Cron: t.Cron, FireCount: t.FireCount, Jobs: legacyIDs(t.JobsUUID), CreatedAt: d.CreatedAt}
		if t.LastFireTime > 0 {
			tr.LastFiredAt = time.UnixMilli(t.LastFireTime).UTC()
		}
		in.Triggers = append(in.Triggers, service.LegacyScheduleTrigger{From: src, OwnerID: legacyID(t.AccountUUID), Trigger: tr})
	case "price":
		var p legacyPrice
		if json.Unmarshal(d.Body, &p) != nil {
			return unreadable
		}
		pr := model.Price{ID: id, Resource: p.ResourceName, Unit: p.ResourceUnit, TimeUnit: p.TimeUnit, Price: p.Price,
			CreatedAt: d.CreatedAt}
		if p.DateInLong > 0 {
			pr.EffectiveAt = time.UnixMilli(p.DateInLong).UTC()
		}
		in.Prices = append(in.Prices, service.LegacyPrice{From: src, Price: pr})
	case "ldapServer":
		var l legacyLdapServer
		if json.Unmarshal(d.Body, &l) != nil {
			return unreadable
		}
		in.LDAPServers = append(in.LDAPServers, service.LegacyLDAPServer{From: src, Server: model.LDAPServer{ID: id, Name: l.Name,
			Description: l.Description, URL: l.URL, Base: l.Base, BindDN: l.Username, BindPassword: l.Password,
			Encryption: l.Encryption, LoginAttribute: l.LoginAttribute, CreatedAt: d.CreatedAt}})
	case "ldapBinding":
		var b legacyLdapBinding
		if json.Unmarshal(d.Body, &b) != nil {
			return unreadable
		}
		in.LDAPBindings = append(in.LDAPBindings, service.LegacyLDAPBinding{From: src, Binding: model.LDAPBinding{ID: id,
			ServerID: legacyID(b.LdapServerUUID), DN: b.LdapUID, UserID: legacyID(b.AccountUUID), CreatedAt: d.CreatedAt}})
	default:
		return fmt.Sprintf("%q is not a document kind of the old format", d.Kind)
	}
	return ""
}

// legacyID is the Kumo id of a uuid of the old documents.
func legacyID(uuid string) string { return kumoID(zid(uuid)) }

func legacyIDs(uuids []string) []string {
	out := make([]string, len(uuids))
	for i, u := range uuids {
		out[i] = legacyID(u)
	}
	return out
}
