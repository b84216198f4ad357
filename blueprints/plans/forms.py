from wtforms import BooleanField, DateField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

import rules
from core.bounds import id_range, int_in
from core.validation import Form, strip
from models import Rung, SubjectKind, User, local_now


def staff_choices():
    return [("", "暂不指定")] + [(str(u.id), u.display_name) for u in User.staff_members()]


TARGET_CHOICES = [(r, Rung.label_of(r)) for r in rules.TARGET_RUNGS]


class PlanCreateForm(Form):
    year = IntegerField("计划年度", validators=[DataRequired("请输入年度"), NumberRange(2015, 2100, "年度不正确")])
    title = StringField("计划名称", filters=[strip], validators=[DataRequired("请输入计划名称"), Length(max=200)])
    copy_last_year = BooleanField("以上一年度计划为底稿（带入仍在培育中的对象）")


class PlanEditForm(Form):
    title = StringField("计划名称", filters=[strip], validators=[DataRequired("请输入计划名称"), Length(max=200)])
    goals = TextAreaField("培育目标", filters=[strip], validators=[Optional(), Length(max=10000)])
    measures = TextAreaField("工作措施和支持政策", filters=[strip], validators=[Optional(), Length(max=20000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # one number field per kind and target rung, named target-<kind>-<rung>
        self.target_fields = []
        for kind in SubjectKind:
            for rung in rules.TARGET_RUNGS:
                self.target_fields.append((kind.value, rung, f"target-{kind.value}-{rung}"))
        self.typed_targets = {}  # {(kind, rung): count or the text typed}, shown in the number fields
        self.targets_error = None  # shown under the targets table

    def targets(self, formdata):
        """{(kind, rung): count} from the posted numbers, or a Chinese error."""
        result = {}
        for kind, rung, name in self.target_fields:
            count = int_in(formdata.get(name) or "0", 0, 10000)
            if count is None:
                return None, f"{SubjectKind.label_of(kind)}{Rung.label_of(rung)}目标数须为 0–10000 的整数"
            result[(kind, rung)] = count
        return result, None


class ItemAddForm(Form):
    subject_id = IntegerField("培育对象", validators=[DataRequired("请选择培育对象"), id_range("所选培育对象不存在")])
    target_rung = SelectField("目标梯度", choices=TARGET_CHOICES)
    owner = SelectField("负责经办人", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner.choices = staff_choices()


class BulkAddForm(Form):
    """The owner of every subject added; the subjects and their targets are rows of the preview (target-<id>)."""
    owner = SelectField("负责经办人", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner.choices = staff_choices()


class BulkTickForm(Form):
    """Tick one milestone (by name) done for the items ticked in the plan's work queue."""
    milestone = SelectField("节点", validators=[DataRequired("请选择要登记完成的节点")], validate_choice=False)
    done_date = DateField("完成日期", validators=[DataRequired("请填写完成日期（年-月-日）")])

    def validate_done_date(self, field):
        if field.data and field.data > local_now().date():
            raise ValidationError("完成日期不能晚于今天")


class ChaseUpForm(Form):
    """A chase-up message (催办) to the enterprises of the selected items."""
    body = TextAreaField("催办内容（企业在其页面“与主管部门往来”中可见）", filters=[strip],
                         validators=[DataRequired("请填写催办内容"), Length(max=2000, message="催办内容不能超过 2000 字")])


class ItemEditForm(Form):
    target_rung = SelectField("目标梯度", choices=TARGET_CHOICES)
    owner = SelectField("负责经办人", validators=[Optional()])
    note = TextAreaField("主管部门意见（企业可见）", filters=[strip], validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner.choices = staff_choices()


class MilestoneForm(Form):
    due_date = DateField("到期日", validators=[DataRequired("请填写到期日")])
    done_date = DateField("完成日", validators=[Optional()])
    evidence_note = StringField("佐证说明", filters=[strip], validators=[Optional(), Length(max=2000)])


class ProjectForm(Form):
    """One green-upgrade project of a plan item (附件2)."""
    name = StringField("改造项目", filters=[strip], validators=[DataRequired("请填写改造项目名称"), Length(max=200)])
    start_on = DateField("开始日期", validators=[DataRequired("请填写开始日期")])
    end_on = DateField("计划完成日期", validators=[DataRequired("请填写计划完成日期")])
    investment = FloatField("投资（万元）", validators=[InputRequired("请填写投资额（万元）"),
                                                    NumberRange(0, 10_000_000, "投资额须为 0–10000000 万元")])
    effect = TextAreaField("预期效果", filters=[strip], validators=[DataRequired("请填写预期效果，如节能量、减排量"),
                                                              Length(max=2000)])


class EvidenceForm(Form):
    note = StringField("说明", filters=[strip], validators=[Optional(), Length(max=2000)])
