<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ar">
<context>
    <name>AttachmentsPage</name>
    <message>
        <location filename="../../tawasul_desktop/gui/attachments.py" line="+168"/>
        <source>Add files</source>
        <translation>إضافة ملفات</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Documents (*.pdf *.jpg *.jpeg *.png)</source>
        <translation>المستندات (*.pdf *.jpg *.jpeg *.png)</translation>
    </message>
    <message>
        <location line="+105"/>
        <source>Attach every document the service needs. Each ticks in the list below when a file is attached for it.</source>
        <translation>أرفق كل مستند تتطلبه الخدمة، وتظهر علامة بجانبه في القائمة أدناه عند إرفاق ملف له.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Document</source>
        <translation>المستند</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add file…</source>
        <translation>إضافة ملف…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>إزالة</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>You can also drop PDF, JPEG or PNG files here.</source>
        <translation>يمكنك أيضاً سحب ملفات PDF أو JPEG أو PNG وإفلاتها هنا.</translation>
    </message>
</context>
<context>
    <name>DetailsPage</name>
    <message>
        <location filename="../../tawasul_desktop/gui/details.py" line="+243"/>
        <source>Enough detail: %1 words, %2 characters.</source>
        <translation>الوصف كافٍ: %1 كلمة، %2 حرفاً.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 more words and %2 more characters needed (at least %3 words and %4 characters).</source>
        <translation>يلزم %1 كلمات و%2 حرفاً إضافية (الحد الأدنى %3 كلمات و%4 حرفاً).</translation>
    </message>
    <message>
        <location filename="../../ui/details_page.ui" line="+6"/>
        <source>Details</source>
        <translation>البيانات</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Applicant (the person at the counter)</source>
        <translation>مقدم الطلب (الحاضر عند الشباك)</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+181"/>
        <source>Identity number</source>
        <translation>رقم الهوية</translation>
    </message>
    <message>
        <location line="-171"/>
        <location line="+181"/>
        <source>10 digits: national ID, iqama or border number</source>
        <translation>10 أرقام: هوية وطنية أو إقامة أو رقم حدود</translation>
    </message>
    <message>
        <location line="-158"/>
        <location line="+181"/>
        <source>Full name</source>
        <translation>الاسم الكامل</translation>
    </message>
    <message>
        <location line="-151"/>
        <location line="+181"/>
        <source>Mobile</source>
        <translation>الجوال</translation>
    </message>
    <message>
        <location line="-171"/>
        <location line="+181"/>
        <source>05XXXXXXXX</source>
        <translation>05XXXXXXXX</translation>
    </message>
    <message>
        <location line="-158"/>
        <location line="+181"/>
        <source>E-mail</source>
        <translation>البريد الإلكتروني</translation>
    </message>
    <message>
        <location line="-171"/>
        <location line="+181"/>
        <source>name@example.com</source>
        <translation>name@example.com</translation>
    </message>
    <message>
        <location line="-153"/>
        <source>&amp;Relation to the person concerned</source>
        <translation>صلة مقدم الطلب بصاحب الطلب</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Person concerned (if not the applicant)</source>
        <translation>صاحب الطلب (إن لم يكن مقدم الطلب)</translation>
    </message>
    <message>
        <location line="+151"/>
        <source>Service details</source>
        <translation>بيانات الخدمة</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Description of the problem</source>
        <translation>وصف المشكلة</translation>
    </message>
</context>
<context>
    <name>EnquiryPage</name>
    <message>
        <location filename="../../tawasul_desktop/gui/enquiry.py" line="+237"/>
        <source>Enter a request number (%1 digits) or an identity number (10 digits).</source>
        <translation>أدخل رقم الطلب (%1 رقماً) أو رقم الهوية (10 أرقام).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No requests for this identity number.</source>
        <translation>لا توجد طلبات لرقم الهوية هذا.</translation>
    </message>
    <message>
        <location line="+67"/>
        <source>Find a request by its number or by an identity number.</source>
        <translation>ابحث عن الطلب برقمه أو برقم الهوية.</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Number</source>
        <translation>الرقم</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Service</source>
        <translation>الخدمة</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>الحالة</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Applicant</source>
        <translation>مقدم الطلب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Person concerned</source>
        <translation>صاحب الطلب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Submitted</source>
        <translation>تاريخ التقديم</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Answer due by</source>
        <translation>موعد الرد</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Follow-up possible from</source>
        <translation>تُتاح المتابعة من</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Overdue</source>
        <translation>متأخر عن موعده</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Reason</source>
        <translation>السبب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Attachments</source>
        <translation>المرفقات</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Follow-ups</source>
        <translation>المتابعات</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>History</source>
        <translation>السجل</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>A follow-up can be recorded now.</source>
        <translation>يمكن تسجيل المتابعة الآن.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A follow-up can be recorded from %1.</source>
        <translation>يمكن تسجيل المتابعة ابتداءً من %1.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Request submitted</source>
        <translation>قُدِّم الطلب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Follow-up recorded</source>
        <translation>سُجِّلت متابعة</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Review started</source>
        <translation>بدأت المراجعة</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Accepted</source>
        <translation>قُبل الطلب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rejected</source>
        <translation>رُفض الطلب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Returned to the applicant</source>
        <translation>أُعيد إلى مقدم الطلب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Applicant answered</source>
        <translation>ردّ مقدم الطلب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Closed</source>
        <translation>أُغلق الطلب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Withdrawn</source>
        <translation>سُحب الطلب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Due date moved by a closure day</source>
        <translation>تأجل موعد الرد بسبب يوم إغلاق</translation>
    </message>
    <message>
        <location filename="../../ui/enquiry.ui" line="+6"/>
        <source>Enquiry</source>
        <translation>الاستعلام</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Request &amp;number or identity number</source>
        <translation>رقم الطلب أو رقم الهوية</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>e.g. 101-01-26-000001-7 or 1XXXXXXXXX</source>
        <translation>مثل 101-01-26-000001-7 أو 1XXXXXXXXX</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;Find</source>
        <translation>بحث</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Requests found</source>
        <translation>الطلبات الموجودة</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Recent requests at this counter</source>
        <translation>أحدث طلبات هذا الشباك</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Note for the follow-up (optional)</source>
        <translation>ملاحظة المتابعة (اختيارية)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Record &amp;follow-up</source>
        <translation>تسجيل متابعة</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;Reprint receipt</source>
        <translation>إعادة &amp;طباعة الإيصال</translation>
    </message>
</context>
<context>
    <name>ErrorHook</name>
    <message>
        <location filename="../../tawasul_desktop/gui/app.py" line="+47"/>
        <source>Something went wrong</source>
        <translation>حدث خطأ</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>An unexpected error occurred. What you typed is kept; please try again. If it happens again, tell the administrator (the details are in the log file).</source>
        <translation>حدث خطأ غير متوقع. ما أدخلته محفوظ؛ أعد المحاولة من فضلك. إن تكرر الخطأ فأبلغ مدير النظام (التفاصيل في ملف السجل).</translation>
    </message>
</context>
<context>
    <name>FirstAdminForm</name>
    <message>
        <location filename="../../ui/first_admin.ui" line="+6"/>
        <source>Create the first administrator</source>
        <translation>إنشاء أول مدير للنظام</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Welcome to Tawasul Desk</source>
        <translation>مرحباً بك في مكتب تواصل</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>No administrator exists yet. Create the first administrator account; it can then add the clerks.</source>
        <translation>لا يوجد مدير للنظام بعد. أنشئ حساب المدير الأول، ثم يضيف المدير حسابات الموظفين.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>&amp;User name</source>
        <translation>اسم المستخدم</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Latin letters and digits, e.g. admin</source>
        <translation>حروف لاتينية وأرقام، مثل admin</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;Full name</source>
        <translation>الاسم الكامل</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>&amp;Password</source>
        <translation>كلمة المرور</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>&amp;Repeat password</source>
        <translation>تأكيد كلمة المرور</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>&amp;Create administrator</source>
        <translation>إنشاء المدير</translation>
    </message>
</context>
<context>
    <name>FirstAdminPanel</name>
    <message>
        <location filename="../../tawasul_desktop/gui/login.py" line="+175"/>
        <source>The two passwords differ.</source>
        <translation>كلمتا المرور غير متطابقتين.</translation>
    </message>
</context>
<context>
    <name>IntakeWizard</name>
    <message>
        <location filename="../../tawasul_desktop/gui/wizard.py" line="+410"/>
        <location line="+175"/>
        <source>Service</source>
        <translation>الخدمة</translation>
    </message>
    <message>
        <location line="-174"/>
        <source>Applicant</source>
        <translation>مقدم الطلب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Relation</source>
        <translation>الصلة</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Person concerned</source>
        <translation>صاحب الطلب</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Description</source>
        <translation>الوصف</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+161"/>
        <source>Attachments</source>
        <translation>المرفقات</translation>
    </message>
    <message>
        <location line="-160"/>
        <source>Expected answer by</source>
        <translation>موعد الرد المتوقع</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Follow-up possible from</source>
        <translation>تُتاح المتابعة من</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Check the request with the applicant, then submit.</source>
        <translation>راجع الطلب مع مقدمه، ثم قدّمه.</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Open request exists</source>
        <translation>يوجد طلب مفتوح</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Request number: %1
Expected answer by: %2
Follow-up possible from: %3</source>
        <translation>رقم الطلب: %1
موعد الرد المتوقع: %2
تُتاح المتابعة من: %3</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Last request submitted.</source>
        <translation>قُدِّم آخر طلب بنجاح.</translation>
    </message>
    <message>
        <location line="+69"/>
        <source>Discard request</source>
        <translation>إلغاء الطلب</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Discard this request and everything typed for it?</source>
        <translation>هل تريد إلغاء هذا الطلب وكل ما أُدخل فيه؟</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Applicant and details</source>
        <translation>مقدم الطلب والبيانات</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Confirm and submit</source>
        <translation>المراجعة والتقديم</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Step %1 of 4: %2</source>
        <translation>الخطوة %1 من 4: %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Discard (Esc)</source>
        <translation>إلغاء (Esc)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Back (Alt+B)</source>
        <translation>السابق (Alt+B)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Next (Alt+N)</source>
        <translation>التالي (Alt+N)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Submit request</source>
        <translation>تقديم الطلب</translation>
    </message>
</context>
<context>
    <name>LoginForm</name>
    <message>
        <location filename="../../ui/login.ui" line="+6"/>
        <source>Sign in</source>
        <translation>تسجيل الدخول</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Tawasul Desk</source>
        <translation>مكتب تواصل</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Sign in to take requests at this counter.</source>
        <translation>سجّل الدخول لاستقبال الطلبات في هذا الشباك.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>&amp;User name</source>
        <translation>اسم المستخدم</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>&amp;Password</source>
        <translation>كلمة المرور</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>&amp;Sign in</source>
        <translation>دخول</translation>
    </message>
</context>
<context>
    <name>LoginPanel</name>
    <message>
        <location filename="../../tawasul_desktop/gui/login.py" line="-65"/>
        <source>The session of %1 is locked. Enter the password to continue, or sign in as someone else (the unfinished request is kept as a draft).</source>
        <translation>جلسة %1 مقفلة. أدخل كلمة المرور للمتابعة، أو سجّل الدخول بمستخدم آخر (ويُحفظ الطلب غير المكتمل مسودةً).</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Sign in to take requests at this counter.</source>
        <translation>سجّل الدخول لاستقبال الطلبات في هذا الشباك.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../tawasul_desktop/gui/main_window.py" line="+159"/>
        <source>Unfinished request</source>
        <translation>طلب غير مكتمل</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>You have an unfinished request from %1. Continue it now? (No discards it.)</source>
        <translation>لديك طلب غير مكتمل من %1. هل تريد إكماله الآن؟ (اختيار «لا» يحذفه.)</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>%1 (%2), counter %3</source>
        <translation>%1 (%2)، الشباك %3</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Signed in: %1 (%2)</source>
        <translation>المستخدم: %1 (%2)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Locked: %1</source>
        <translation>مقفل: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not signed in</source>
        <translation>لم يسجَّل الدخول</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Tawasul Desk</source>
        <translation>مكتب تواصل</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New request</source>
        <translation>طلب جديد</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enquiry</source>
        <translation>الاستعلام</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Session</source>
        <translation>الجلسة</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Lock</source>
        <translation>قفل</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sign &amp;out</source>
        <translation>تسجيل الخروج</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Quit</source>
        <translation>إنهاء البرنامج</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Language</source>
        <translation>اللغة</translation>
    </message>
</context>
<context>
    <name>ReceiptDialog</name>
    <message>
        <location filename="../../tawasul_desktop/gui/receipt_dialog.py" line="+124"/>
        <source>Receipt (copy)</source>
        <translation>الإيصال (نسخة)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Receipt</source>
        <translation>الإيصال</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Print…</source>
        <translation>&amp;طباعة…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Save as PDF…</source>
        <translation>&amp;حفظ بصيغة PDF…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Preparing the receipt…</source>
        <translation>جارٍ تجهيز الإيصال…</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>The receipt cannot be drawn: %1</source>
        <translation>تعذر إنشاء الإيصال: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+13"/>
        <source>Sent to the printer (%n page(s)).</source>
        <translation>
            <numerusform>أُرسل إلى الطابعة (لا صفحات).</numerusform>
            <numerusform>أُرسل إلى الطابعة (صفحة واحدة).</numerusform>
            <numerusform>أُرسل إلى الطابعة (صفحتان).</numerusform>
            <numerusform>أُرسل إلى الطابعة (%n صفحات).</numerusform>
            <numerusform>أُرسل إلى الطابعة (%n صفحة).</numerusform>
            <numerusform>أُرسل إلى الطابعة (%n صفحة).</numerusform>
        </translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Printing failed: %1</source>
        <translation>تعذرت الطباعة: %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Saved to %1</source>
        <translation>حُفظ في %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save receipt</source>
        <translation>حفظ الإيصال</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PDF files (*.pdf)</source>
        <translation>ملفات PDF (*.pdf)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Saving failed: %1</source>
        <translation>تعذر الحفظ: %1</translation>
    </message>
</context>
<context>
    <name>RecentRequestsModel</name>
    <message>
        <location filename="../../tawasul_desktop/gui/enquiry.py" line="-207"/>
        <source>Number</source>
        <translation>الرقم</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Service</source>
        <translation>الخدمة</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Applicant</source>
        <translation>مقدم الطلب</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Status</source>
        <translation>الحالة</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Due</source>
        <translation>موعد الرد</translation>
    </message>
</context>
<context>
    <name>ServicePage</name>
    <message>
        <location filename="../../ui/service_page.ui" line="+6"/>
        <source>Service</source>
        <translation>الخدمة</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Which service is the request about?</source>
        <translation>ما الخدمة التي يتعلق بها الطلب؟</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&amp;Search</source>
        <translation>بحث</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Type part of the service name, in Arabic or English</source>
        <translation>اكتب جزءاً من اسم الخدمة بالعربية أو الإنجليزية</translation>
    </message>
    <message>
        <location filename="../../tawasul_desktop/gui/wizard.py" line="-454"/>
        <source>Choose a service to see its conditions and documents.</source>
        <translation>اختر خدمة لعرض شروطها ومستنداتها.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Conditions</source>
        <translation>الشروط</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Accepted identity</source>
        <translation>الهوية المقبولة</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Required documents</source>
        <translation>المستندات المطلوبة</translation>
    </message>
</context>
</TS>
