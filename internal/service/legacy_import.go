package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Until the core had tenants, the ZStack dialect kept its accounts'
// extras, users, groups, policies, quotas, shares, scheduler jobs and
// triggers, prices and LDAP setup as JSON documents (zstack_resources).
// An installation upgraded from then still has them, and nothing else
// reads them: zstack.UpgradeLegacy translates them into core terms once
// at start, and ImportLegacy makes them tenants, users, roles, groups,
// quotas, shares, schedules, prices and LDAP rows in one transaction that
// also deletes the documents, so a crash leaves either the documents or
// what they became, never both or neither. The old storage had no
// foreign keys: a document referring to a row that is gone is dropped
// and reported, not failed on.

// AsControlPlane returns a context in which Kumo acts for itself, for the
// server's own work at start (zstack.UpgradeLegacy). API handlers never
// use it: they act as their caller.
func AsControlPlane(ctx context.Context) context.Context { return asControlPlane(ctx) }

// requireControlPlane fails unless Kumo itself is the caller.
func requireControlPlane(ctx context.Context) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if !p.controlPlane {
		return model.Errorf(model.CodePermissionDenied, "user %s may not do this: only Kumo itself converts stored documents", p.Name)
	}
	return nil
}

// ZStackDocument is one stored document of the ZStack dialect.
type ZStackDocument struct {
	Kind, UUID string
	Body       json.RawMessage
	CreatedAt  time.Time
}

// ZStackDocuments returns the documents of the given kinds with their
// keys, oldest first. Only the control plane reads them this way: they
// hold every account's data and LDAP bind passwords.
func (s *Service) ZStackDocuments(ctx context.Context, kinds ...string) ([]ZStackDocument, error) {
	if err := requireControlPlane(ctx); err != nil {
		return nil, err
	}
	rs, err := s.db.ListZStackResourcesOfKinds(ctx, kinds)
	if err != nil {
		return nil, err
	}
	out := make([]ZStackDocument, len(rs))
	for i, r := range rs {
		out[i] = ZStackDocument{Kind: r.Kind, UUID: r.UUID, Body: r.Body, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// LegacySource names the stored document an object comes from.
type LegacySource struct{ Kind, UUID string }

// LegacyImport is the ZStack documents of the pre-tenant format in core
// terms, with Kumo ids. An account is named by its Kumo user's id, which
// becomes its tenant's id too, so the account's ZStack uuid stays.
type LegacyImport struct {
	Accounts     []LegacyAccount
	Users        []LegacyUser
	Roles        []LegacyRole
	Groups       []LegacyGroup
	Quotas       []LegacyQuota
	Shares       []LegacyShare
	Jobs         []LegacyScheduleJob
	Triggers     []LegacyScheduleTrigger
	Prices       []LegacyPrice
	LDAPServers  []LegacyLDAPServer
	LDAPBindings []LegacyLDAPBinding
	// Untranslatable are documents the dialect could not put into core
	// terms (unreadable, or naming what the core has not): they are
	// deleted and reported as dropped.
	Untranslatable []LegacyIssue
}

// LegacyAccount marks a user made as a ZStack account: it becomes the
// admin of a tenant of its own, unless it is a platform admin.
type LegacyAccount struct {
	From        LegacySource
	UserID      string
	Description string
	CreatedAt   time.Time
}

// LegacyUser is a user of an account: it moves into the account's
// tenant, bound to roles of it.
type LegacyUser struct {
	From        LegacySource
	UserID      string
	AccountID   string
	Description string
	RoleIDs     []string
}

// LegacyRole is a role of an account's tenant (ID, Name, Description,
// Statements and CreatedAt are used).
type LegacyRole struct {
	From      LegacySource
	AccountID string
	Role      model.Role
}

// LegacyGroup is a group of an account's tenant (ID, Name, Description
// and CreatedAt are used) with its members and roles by id.
type LegacyGroup struct {
	From      LegacySource
	AccountID string
	Group     model.UserGroup
	MemberIDs []string
	RoleIDs   []string
}

// LegacyQuota is a limit of an account's tenant, under its core name.
type LegacyQuota struct {
	From      LegacySource
	AccountID string
	Name      string
	Value     int64
}

// LegacyShare shares a VM or an image with an account's tenant, or with
// all when Public.
type LegacyShare struct {
	From       LegacySource
	ObjectKind string // "vm" or "image"
	ObjectID   string
	ReceiverID string // the receiving account; unused when Public
	Public     bool
	CreatedAt  time.Time
}

// LegacyScheduleJob is a job owned by the user with OwnerID, in that
// user's tenant (its TenantID and Owner are set here).
type LegacyScheduleJob struct {
	From    LegacySource
	OwnerID string
	Job     model.ScheduleJob
}

// LegacyScheduleTrigger is a trigger owned by the user with OwnerID;
// Trigger.Jobs are the ids of the jobs it fires.
type LegacyScheduleTrigger struct {
	From    LegacySource
	OwnerID string
	Trigger model.ScheduleTrigger
}

// LegacyPrice is a price.
type LegacyPrice struct {
	From  LegacySource
	Price model.Price
}

// LegacyLDAPServer is a directory.
type LegacyLDAPServer struct {
	From   LegacySource
	Server model.LDAPServer
}

// LegacyLDAPBinding lets a directory entry log in as a user (ID,
// ServerID, DN, UserID and CreatedAt are used).
type LegacyLDAPBinding struct {
	From    LegacySource
	Binding model.LDAPBinding
}

// LegacyIssue says what became of (part of) a document and why.
type LegacyIssue struct {
	Kind, UUID, Reason string
}

// LegacyReport is what ImportLegacy did.
type LegacyReport struct {
	// Converted counts the converted documents by kind.
	Converted map[string]int
	// Moved counts the objects that moved into account tenants with
	// their owners.
	Moved int64
	// Dropped are the documents not converted; Trimmed the converted
	// ones of which a part was left out or renamed.
	Dropped []LegacyIssue
	Trimmed []LegacyIssue
}

// ImportLegacy converts the ZStack documents of the pre-tenant format
// (the control plane only) and deletes them, in one transaction. A
// document already gone is skipped, so importing again is no change.
func (s *Service) ImportLegacy(ctx context.Context, in LegacyImport) (LegacyReport, error) {
	if err := requireControlPlane(ctx); err != nil {
		return LegacyReport{}, err
	}
	var rep LegacyReport
	err := s.db.InTx(ctx, func(q store.Queries) error {
		im := &legacyImporter{ctx: ctx, q: q, rep: LegacyReport{Converted: map[string]int{}}, present: map[LegacySource]bool{},
			tenants: map[string]string{}, notTenant: map[string]string{}, roles: map[string]string{}, names: map[string]bool{},
			jobs: map[string]bool{}, servers: map[string]bool{}}
		if err := im.run(in); err != nil {
			return err
		}
		rep = im.rep
		return nil
	})
	if err != nil {
		return LegacyReport{}, err
	}
	return rep, nil
}

type legacyImporter struct {
	ctx context.Context
	q   store.Queries
	rep LegacyReport
	// present are the documents this transaction deleted: only they are
	// converted.
	present map[LegacySource]bool
	// tenants maps the accounts that became tenants to them; notTenant
	// says why the others did not.
	tenants, notTenant map[string]string
	// roles maps converted roles to their tenant.
	roles map[string]string
	// names are the role and group names taken, by tenant.
	names map[string]bool
	// jobs and servers are the converted jobs and LDAP servers.
	jobs, servers map[string]bool
}

func (im *legacyImporter) run(in LegacyImport) error {
	if err := im.claim(in); err != nil {
		return err
	}
	for _, u := range in.Untranslatable {
		if im.present[LegacySource{u.Kind, u.UUID}] {
			im.rep.Dropped = append(im.rep.Dropped, u)
		}
	}
	steps := []func() error{
		func() error { return each(im, in.Accounts, im.account) },
		func() error { return each(im, in.Roles, im.role) },
		func() error { return each(im, in.Users, im.user) },
		func() error { return each(im, in.Groups, im.group) },
		func() error { return each(im, in.Quotas, im.quota) },
		func() error { return each(im, in.Shares, im.share) },
		func() error { return each(im, in.Jobs, im.job) },
		func() error { return each(im, in.Triggers, im.trigger) },
		func() error { return each(im, in.Prices, im.price) },
		func() error { return each(im, in.LDAPServers, im.ldapServer) },
		func() error { return each(im, in.LDAPBindings, im.ldapBinding) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// claim deletes every document the request names. Deleting first locks
// the rows (PostgreSQL) or the database (SQLite), so of two imports of
// the same document only the first converts it.
func (im *legacyImporter) claim(in LegacyImport) error {
	srcs := slices.Concat(sourcesOf(in.Accounts), sourcesOf(in.Users), sourcesOf(in.Roles), sourcesOf(in.Groups),
		sourcesOf(in.Quotas), sourcesOf(in.Shares), sourcesOf(in.Jobs), sourcesOf(in.Triggers), sourcesOf(in.Prices),
		sourcesOf(in.LDAPServers), sourcesOf(in.LDAPBindings))
	for _, u := range in.Untranslatable {
		srcs = append(srcs, LegacySource{u.Kind, u.UUID})
	}
	for _, src := range srcs {
		if im.present[src] {
			continue
		}
		err := im.q.DeleteZStackResource(im.ctx, src.Kind, src.UUID)
		switch {
		case err == nil:
			im.present[src] = true
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("delete the %s document %s: %w", src.Kind, src.UUID, err)
		}
	}
	return nil
}

// legacyItem is an object of a LegacyImport, from one document.
type legacyItem interface{ source() LegacySource }

func (a LegacyAccount) source() LegacySource         { return a.From }
func (u LegacyUser) source() LegacySource            { return u.From }
func (r LegacyRole) source() LegacySource            { return r.From }
func (g LegacyGroup) source() LegacySource           { return g.From }
func (q LegacyQuota) source() LegacySource           { return q.From }
func (s LegacyShare) source() LegacySource           { return s.From }
func (j LegacyScheduleJob) source() LegacySource     { return j.From }
func (t LegacyScheduleTrigger) source() LegacySource { return t.From }
func (p LegacyPrice) source() LegacySource           { return p.From }
func (l LegacyLDAPServer) source() LegacySource      { return l.From }
func (b LegacyLDAPBinding) source() LegacySource     { return b.From }

func sourcesOf[T legacyItem](items []T) []LegacySource {
	out := make([]LegacySource, len(items))
	for i, it := range items {
		out[i] = it.source()
	}
	return out
}

// each converts the items whose document this import claimed; convert
// reports a document it drops itself and fails only on a store error.
func each[T legacyItem](im *legacyImporter, items []T, convert func(T) (bool, error)) error {
	for _, it := range items {
		src := it.source()
		if !im.present[src] {
			continue
		}
		ok, err := convert(it)
		if err != nil {
			return fmt.Errorf("convert the %s document %s: %w", src.Kind, src.UUID, err)
		}
		if ok {
			im.rep.Converted[src.Kind]++
		}
	}
	return nil
}

func (im *legacyImporter) drop(src LegacySource, format string, args ...any) (bool, error) {
	im.rep.Dropped = append(im.rep.Dropped, LegacyIssue{Kind: src.Kind, UUID: src.UUID, Reason: fmt.Sprintf(format, args...)})
	return false, nil
}

func (im *legacyImporter) trim(src LegacySource, format string, args ...any) {
	im.rep.Trimmed = append(im.rep.Trimmed, LegacyIssue{Kind: src.Kind, UUID: src.UUID, Reason: fmt.Sprintf(format, args...)})
}

// findUser returns a user by id; found is false when it is gone.
func (im *legacyImporter) findUser(id string) (u model.User, found bool, err error) {
	u, err = im.q.GetUser(im.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return u, false, nil
	}
	return u, err == nil, err
}

// account makes an account's user the admin of a tenant of its own,
// with ZStack's default quotas (the ones the dialect enforced then), and
// moves what the user owns into it. A platform admin stays one.
func (im *legacyImporter) account(a LegacyAccount) (bool, error) {
	u, found, err := im.findUser(a.UserID)
	if !found || err != nil {
		im.notTenant[a.UserID] = "no longer exists"
		return im.dropUnlessErr(err, a.From, "its user %s no longer exists", a.UserID)
	}
	if u.Role == model.RoleAdmin {
		// Its policies would hold platform permissions in the platform's
		// tenant, which its users never had through ZStack.
		im.notTenant[u.ID] = "is a platform admin, whose users, groups, policies and quotas are not carried over"
		return true, im.describe(u, a.Description)
	}
	if u.TenantID != model.DefaultTenantID {
		im.notTenant[u.ID] = "belongs to tenant " + u.TenantID + " already"
		return im.drop(a.From, "user %s belongs to tenant %s already", u.Name, u.TenantID)
	}
	name := u.Name
	if _, err := im.q.GetTenant(im.ctx, name); err == nil {
		name = u.Name + "-" + shortID(u.ID)
		im.trim(a.From, "a tenant named %s exists already: the account's tenant is named %s", u.Name, name)
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	t := model.Tenant{ID: u.ID, Name: name, Kind: model.TenantAccount, Description: a.Description, Visibility: model.ShareAll,
		CreatedAt: createdOr(a.CreatedAt), UpdatedAt: now()}
	if err := im.q.CreateTenant(im.ctx, t); err != nil {
		return false, err
	}
	for name, v := range model.DefaultAccountQuotas {
		if err := im.q.SetQuota(im.ctx, model.Quota{TenantID: t.ID, Name: name, Value: v, UpdatedAt: now()}); err != nil {
			return false, err
		}
	}
	if err := im.move(a.From, u, t.ID, true); err != nil {
		return false, err
	}
	im.tenants[u.ID] = t.ID
	return true, im.describe(u, a.Description)
}

func (im *legacyImporter) dropUnlessErr(err error, src LegacySource, format string, args ...any) (bool, error) {
	if err != nil {
		return false, err
	}
	return im.drop(src, format, args...)
}

// describe keeps a description the document had on the user.
func (im *legacyImporter) describe(u model.User, description string) error {
	if description == "" || description == u.Description {
		return nil
	}
	return im.q.SetUserInfo(im.ctx, u.ID, u.Nick, u.Mail, description, now().UnixMicro())
}

// move puts a user and what it owns into a tenant.
func (im *legacyImporter) move(src LegacySource, u model.User, tenantID string, admin bool) error {
	ended, err := im.q.MoveUserToTenant(im.ctx, u.ID, tenantID, admin, now().UnixMicro())
	if err != nil {
		return err
	}
	if ended > 0 {
		im.trim(src, "user %s left %d groups and roles of the platform's tenant", u.Name, ended)
	}
	moved, err := im.q.MoveOwnedObjects(im.ctx, u.Name, u.ID, tenantID)
	im.rep.Moved += moved
	return err
}

// accountTenant returns the tenant an account became, or drops the
// document of one of its objects saying why there is none.
func (im *legacyImporter) accountTenant(src LegacySource, account string) (string, bool) {
	if t, ok := im.tenants[account]; ok {
		return t, true
	}
	why := im.notTenant[account]
	if why == "" {
		why = "has no account document (deleted, or never made as an account)"
	}
	im.drop(src, "its account %s %s", account, why)
	return "", false
}

// uniqueName returns a role or group name free in a tenant, renaming a
// duplicate (the old documents did not refuse them).
func (im *legacyImporter) uniqueName(src LegacySource, kind, tenant, name, id string) string {
	key := func(n string) string { return kind + "\x00" + tenant + "\x00" + n }
	out := name
	if im.names[key(out)] {
		out = name + "-" + shortID(id)
		im.trim(src, "another %s of the account is named %s: this one is named %s", kind, name, out)
	}
	im.names[key(out)] = true
	return out
}

func (im *legacyImporter) role(lr LegacyRole) (bool, error) {
	tenant, ok := im.accountTenant(lr.From, lr.AccountID)
	if !ok {
		return false, nil
	}
	r := lr.Role
	sts, err := validStatements(r.Statements)
	if err != nil {
		return im.drop(lr.From, "%v", err)
	}
	r.TenantID, r.Statements, r.Builtin = tenant, sts, false
	r.Name = im.uniqueName(lr.From, "role", tenant, r.Name, r.ID)
	r.CreatedAt, r.UpdatedAt = createdOr(r.CreatedAt), now()
	if err := im.q.CreateRole(im.ctx, r); err != nil {
		return false, err
	}
	im.roles[r.ID] = tenant
	return true, nil
}

func (im *legacyImporter) user(lu LegacyUser) (bool, error) {
	u, found, err := im.findUser(lu.UserID)
	if !found || err != nil {
		return im.dropUnlessErr(err, lu.From, "its user %s no longer exists", lu.UserID)
	}
	tenant, ok := im.accountTenant(lu.From, lu.AccountID)
	if !ok {
		return false, nil
	}
	if u.Role == model.RoleAdmin || u.TenantID != model.DefaultTenantID {
		return im.drop(lu.From, "user %s is a platform admin or in tenant %s already", u.Name, u.TenantID)
	}
	if err := im.move(lu.From, u, tenant, false); err != nil {
		return false, err
	}
	for _, id := range dedupe(lu.RoleIDs) {
		if im.roles[id] != tenant {
			im.trim(lu.From, "policy %s is not one of its account's: not bound", id)
			continue
		}
		if err := im.q.BindUserRole(im.ctx, u.ID, id); err != nil {
			return false, err
		}
	}
	return true, im.describe(u, lu.Description)
}

func (im *legacyImporter) group(lg LegacyGroup) (bool, error) {
	tenant, ok := im.accountTenant(lg.From, lg.AccountID)
	if !ok {
		return false, nil
	}
	g := model.UserGroup{ID: lg.Group.ID, TenantID: tenant, Description: lg.Group.Description,
		Name: im.uniqueName(lg.From, "group", tenant, lg.Group.Name, lg.Group.ID), CreatedAt: createdOr(lg.Group.CreatedAt), UpdatedAt: now()}
	if err := im.q.CreateUserGroup(im.ctx, g); err != nil {
		return false, err
	}
	for _, id := range dedupe(lg.MemberIDs) {
		u, found, err := im.findUser(id)
		switch {
		case err != nil:
			return false, err
		case !found:
			im.trim(lg.From, "member %s no longer exists", id)
		case u.TenantID != tenant:
			im.trim(lg.From, "member %s is not a user of its account", u.Name)
		default:
			if err := im.q.AddGroupMember(im.ctx, g.ID, u.ID); err != nil {
				return false, err
			}
		}
	}
	for _, id := range dedupe(lg.RoleIDs) {
		if im.roles[id] != tenant {
			im.trim(lg.From, "policy %s is not one of its account's: not bound", id)
			continue
		}
		if err := im.q.BindGroupRole(im.ctx, g.ID, id); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (im *legacyImporter) quota(lq LegacyQuota) (bool, error) {
	tenant, ok := im.accountTenant(lq.From, lq.AccountID)
	if !ok {
		return false, nil
	}
	if !slices.Contains(model.QuotaNames, lq.Name) {
		return im.drop(lq.From, "%q is not a quota", lq.Name)
	}
	if lq.Value < 0 {
		// As SetQuota takes it: no limit.
		err := im.q.DeleteQuota(im.ctx, tenant, lq.Name)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		return err == nil, err
	}
	return true, im.q.SetQuota(im.ctx, model.Quota{TenantID: tenant, Name: lq.Name, Value: lq.Value, UpdatedAt: now()})
}

func (im *legacyImporter) share(ls LegacyShare) (bool, error) {
	var err error
	what := ls.ObjectKind
	switch ls.ObjectKind {
	case "vm":
		what = "VM"
		_, err = im.q.GetVM(im.ctx, ls.ObjectID)
	case "image":
		_, err = im.q.GetImage(im.ctx, ls.ObjectID)
	default:
		return im.drop(ls.From, "%q objects are not shared", ls.ObjectKind)
	}
	if errors.Is(err, store.ErrNotFound) {
		return im.drop(ls.From, "its %s %s no longer exists", what, ls.ObjectID)
	} else if err != nil {
		return false, err
	}
	receiver := ""
	if !ls.Public {
		var ok bool
		if receiver, ok = im.tenants[ls.ReceiverID]; !ok {
			u, found, err := im.findUser(ls.ReceiverID)
			switch {
			case err != nil:
				return false, err
			case !found:
				return im.drop(ls.From, "its receiving account %s no longer exists", ls.ReceiverID)
			case u.Role == model.RoleAdmin:
				return im.drop(ls.From, "its receiving account %s is a platform admin, who sees every object anyway", u.Name)
			case u.TenantID == model.DefaultTenantID:
				return im.drop(ls.From, "its receiving account %s has no tenant of its own: sharing with the platform's tenant "+
					"would show the %s to all its users", u.Name, what)
			}
			receiver = u.TenantID
		}
	}
	return true, im.q.ShareObject(im.ctx, model.Share{ObjectKind: ls.ObjectKind, ObjectID: ls.ObjectID, TenantID: receiver,
		CreatedAt: createdOr(ls.CreatedAt)})
}

func (im *legacyImporter) job(lj LegacyScheduleJob) (bool, error) {
	u, found, err := im.findUser(lj.OwnerID)
	if !found || err != nil {
		return im.dropUnlessErr(err, lj.From, "its owner %s no longer exists", lj.OwnerID)
	}
	j := lj.Job
	if _, ok := scheduleActionPerms[j.Action]; !ok {
		return im.drop(lj.From, "%q is not a scheduled action", j.Action)
	}
	if _, err := im.q.GetVM(im.ctx, j.VMID); errors.Is(err, store.ErrNotFound) {
		return im.drop(lj.From, "its VM %s no longer exists", j.VMID)
	} else if err != nil {
		return false, err
	}
	j.TenantID, j.Owner = u.TenantID, u.Name
	j.CreatedAt, j.UpdatedAt = createdOr(j.CreatedAt), now()
	if err := im.q.CreateScheduleJob(im.ctx, j, u.ID); err != nil {
		return false, err
	}
	im.jobs[j.ID] = true
	return true, nil
}

func (im *legacyImporter) trigger(lt LegacyScheduleTrigger) (bool, error) {
	u, found, err := im.findUser(lt.OwnerID)
	if !found || err != nil {
		return im.dropUnlessErr(err, lt.From, "its owner %s no longer exists", lt.OwnerID)
	}
	t := lt.Trigger
	if err := checkTrigger(&t); err != nil {
		return im.drop(lt.From, "%v", err)
	}
	t.TenantID, t.Owner = u.TenantID, u.Name
	t.CreatedAt, t.UpdatedAt = createdOr(t.CreatedAt), now()
	if err := im.q.CreateScheduleTrigger(im.ctx, t, u.ID); err != nil {
		return false, err
	}
	for _, id := range dedupe(t.Jobs) {
		if !im.jobs[id] {
			im.trim(lt.From, "its job %s no longer exists", id)
			continue
		}
		if err := im.q.LinkScheduleJob(im.ctx, id, t.ID); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (im *legacyImporter) price(lp LegacyPrice) (bool, error) {
	p := lp.Price
	if err := checkPrice(&p); err != nil {
		return im.drop(lp.From, "%v", err)
	}
	p.CreatedAt = createdOr(p.CreatedAt)
	return true, im.q.CreatePrice(im.ctx, p)
}

func (im *legacyImporter) ldapServer(ll LegacyLDAPServer) (bool, error) {
	l := ll.Server
	if err := checkLDAPServer(&l); err != nil {
		return im.drop(ll.From, "%v", err)
	}
	l.CreatedAt, l.UpdatedAt = createdOr(l.CreatedAt), now()
	if err := im.q.CreateLDAPServer(im.ctx, l); err != nil {
		return false, err
	}
	im.servers[l.ID] = true
	return true, nil
}

func (im *legacyImporter) ldapBinding(lb LegacyLDAPBinding) (bool, error) {
	b := lb.Binding
	if !im.servers[b.ServerID] {
		if _, err := im.q.GetLDAPServer(im.ctx, b.ServerID); errors.Is(err, store.ErrNotFound) {
			return im.drop(lb.From, "its LDAP server %s no longer exists", b.ServerID)
		} else if err != nil {
			return false, err
		}
	}
	if _, found, err := im.findUser(b.UserID); !found || err != nil {
		return im.dropUnlessErr(err, lb.From, "its account %s no longer exists", b.UserID)
	}
	b.CreatedAt = createdOr(b.CreatedAt)
	return true, im.q.CreateLDAPBinding(im.ctx, b)
}

// createdOr is a creation time, now when the document had none.
func createdOr(t time.Time) time.Time {
	if t.IsZero() {
		return now()
	}
	return t.UTC()
}

// shortID is the start of an id, to tell names apart.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
