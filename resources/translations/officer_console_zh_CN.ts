<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CaseDetails</name>
    <message>
        <source>Citizen</source>
        <translation>当事人</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Show full details</source>
        <translation>显示完整信息</translation>
    </message>
    <message>
        <source>Only the assigned officer; every reveal is audited.</source>
        <translation>仅限认领该预约的民警；每次查看都会记入审计。</translation>
    </message>
    <message>
        <source>Driving licence</source>
        <translation>驾驶证</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>准驾车型</translation>
    </message>
    <message>
        <source>First issued</source>
        <translation>初次领证</translation>
    </message>
    <message>
        <source>Points this cycle</source>
        <translation>本周期记分</translation>
    </message>
    <message>
        <source>Cycle ends</source>
        <translation>记分周期截止</translation>
    </message>
    <message>
        <source>Issued by</source>
        <translation>发证机关</translation>
    </message>
    <message>
        <source>Vehicle</source>
        <translation>机动车</translation>
    </message>
    <message>
        <source>Plate</source>
        <translation>号牌</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>车辆类型</translation>
    </message>
    <message>
        <source>Registered</source>
        <translation>注册登记</translation>
    </message>
    <message>
        <source>Inspection due</source>
        <translation>检验有效期至</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Offence</source>
        <translation>违法行为</translation>
    </message>
    <message>
        <source>(not in catalogue)</source>
        <translation>（不在违法代码目录中）</translation>
    </message>
    <message>
        <source>Fine</source>
        <translation>罚款</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>记分</translation>
    </message>
    <message>
        <source>Violations</source>
        <translation>违法记录</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Appointment history</source>
        <translation>预约记录</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载……</translation>
    </message>
    <message>
        <source>unassigned</source>
        <translation>未分配</translation>
    </message>
    <message>
        <source>%1 record(s), fines %2 yuan, %3 point(s)</source>
        <translation>共 %1 条，罚款 %2 元，记 %3 分</translation>
    </message>
    <message>
        <source>Could not load the case file from the database.</source>
        <translation>无法从数据库读取案件信息。</translation>
    </message>
    <message>
        <source>Database error.</source>
        <translation>数据库错误。</translation>
    </message>
    <message>
        <source>Hide (%1 s)</source>
        <translation>隐藏（%1 秒）</translation>
    </message>
</context>
<context>
    <name>CasePanel</name>
    <message>
        <source>Select an appointment in the queue.</source>
        <translation>请在左侧队列中选择一个预约。</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <source>Officer Console — unexpected error</source>
        <translation>远程交互执法办案平台 — 意外错误</translation>
    </message>
    <message>
        <source>Sorry — the program ran into an error it did not expect. Please tell the system administrator and include the details below.</source>
        <translation>抱歉，程序遇到了意外错误。请告知系统管理员，并附上下面的详细信息。</translation>
    </message>
    <message>
        <source>Error type: {name}</source>
        <translation>错误类型：{name}</translation>
    </message>
    <message>
        <source>(no log file)</source>
        <translation>（无日志文件）</translation>
    </message>
    <message>
        <source>Log file: {path}</source>
        <translation>日志文件：{path}</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>复制详情</translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <source>Locked after a period of inactivity.</source>
        <translation>长时间无操作，已自动锁定。</translation>
    </message>
    <message>
        <source>Locked by the user.</source>
        <translation>已手动锁定。</translation>
    </message>
    <message>
        <source>{name} ({number}) is signed in. Enter the password to continue.</source>
        <translation>当前登录：{name}（{number}）。请输入密码继续。</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <source>The database cannot be reached. Check the network and try again.</source>
        <translation>无法连接数据库，请检查网络后重试。</translation>
    </message>
    <message>
        <source>Unlocking failed because of an unexpected error; see the log.</source>
        <translation>解锁时发生意外错误，详见日志。</translation>
    </message>
    <message>
        <source>Console locked</source>
        <translation>工作台已锁定</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>One-time code</source>
        <translation>动态口令</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>One-time code (required)</source>
        <translation>动态口令（必填）</translation>
    </message>
    <message>
        <source>6 digits from your authenticator app</source>
        <translation>身份验证器 App 中的 6 位数字</translation>
    </message>
    <message>
        <source>Enter your police number and password.</source>
        <translation>请输入警号和密码。</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在验证……</translation>
    </message>
    <message>
        <source>The database cannot be reached. Check the network and try again.</source>
        <translation>无法连接数据库，请检查网络后重试。</translation>
    </message>
    <message>
        <source>Sign-in failed because of an unexpected error; see the log.</source>
        <translation>登录时发生意外错误，详见日志。</translation>
    </message>
    <message>
        <source>Officer Console — Sign in</source>
        <translation>远程交互执法办案平台 — 登录</translation>
    </message>
    <message>
        <source>Officer Console</source>
        <translation>远程交互执法办案平台</translation>
    </message>
    <message>
        <source>Remote traffic violation processing — officer workstation</source>
        <translation>远程交互执法办案平台 · 民警端</translation>
    </message>
    <message>
        <source>Police number</source>
        <translation>警号</translation>
    </message>
    <message>
        <source>e.g. 370102001</source>
        <translation>例如 370102001</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>One-time code</source>
        <translation>动态口令</translation>
    </message>
    <message>
        <source>6 digits, only if your account uses one</source>
        <translation>6 位数字，仅绑定了动态口令的账号需要填写</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Officer Console — {name} ({number}) · {squad} · {role}</source>
        <translation>远程交互执法办案平台 — {name}（{number}）· {squad} · {role}</translation>
    </message>
    <message>
        <source>Officer Console — {name} ({number}) · {role}</source>
        <translation>远程交互执法办案平台 — {name}（{number}）· {role}</translation>
    </message>
    <message>
        <source>Database: {kind}</source>
        <translation>数据库：{kind}</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source>Workstation: {name}</source>
        <translation>工作站：{name}</translation>
    </message>
    <message>
        <source>{n} unfinished call recording(s) were hashed and stored as evidence</source>
        <translation>已补存 {n} 段未完成的通话录像（已计算哈希并存为证据）</translation>
    </message>
    <message>
        <source>{n} recording file(s) were missing and have been audited</source>
        <translation>{n} 个录像文件缺失，已记入审计日志</translation>
    </message>
    <message>
        <source>Connection lost</source>
        <translation>连接中断</translation>
    </message>
    <message>
        <source>About Officer Console</source>
        <translation>关于远程交互执法办案平台</translation>
    </message>
    <message>
        <source>Officer Console {version}
Remote traffic violation processing by video — officer workstation.</source>
        <translation>远程交互执法办案平台（民警端）{version}
视频方式处理交通违法。</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>锁定</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>About</source>
        <translation>关于</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Administration</source>
        <translation>管理(&amp;A)</translation>
    </message>
    <message>
        <source>Users…</source>
        <translation>用户管理…</translation>
    </message>
    <message>
        <source>Schedules and capacity…</source>
        <translation>排班与容量…</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>主工具栏</translation>
    </message>
</context>
<context>
    <name>QueuePane</name>
    <message>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>未办结</translation>
    </message>
    <message>
        <source>All officers</source>
        <translation>全部民警</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>我的</translation>
    </message>
    <message>
        <source>Search plate</source>
        <translation>按号牌搜索</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Officer</source>
        <translation>民警</translation>
    </message>
    <message>
        <source>Claim</source>
        <translation>认领</translation>
    </message>
    <message>
        <source>Claim the selected appointment (Ctrl+Enter)</source>
        <translation>认领选中的预约（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Reassign…</source>
        <translation>改派…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>All upcoming</source>
        <translation>今天及以后</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Tomorrow</source>
        <translation>明天</translation>
    </message>
    <message>
        <source>This account belongs to no squad, so there is no queue to show.</source>
        <translation>该账号不属于任何大队，没有可显示的队列。</translation>
    </message>
    <message>
        <source>%1 appointments</source>
        <translation>共 %1 个预约</translation>
    </message>
    <message>
        <source> (%1 loaded)</source>
        <translation>（已加载 %1 个）</translation>
    </message>
    <message>
        <source>Claimed the %1 appointment (%2).</source>
        <translation>已认领 %1 的预约（%2）。</translation>
    </message>
    <message>
        <source>Reassigned %1 appointment(s) to %2.</source>
        <translation>已将 %1 个预约改派给%2。</translation>
    </message>
    <message>
        <source>Could not read the queue from the database. Check the connection, then press Refresh.</source>
        <translation>无法从数据库读取队列。请检查连接，然后点击“刷新”。</translation>
    </message>
</context>
<context>
    <name>ReassignDialog</name>
    <message>
        <source>Reassign appointments</source>
        <translation>改派预约</translation>
    </message>
    <message>
        <source>%1 appointment(s) selected: </source>
        <translation>已选中 %1 个预约：</translation>
    </message>
    <message>
        <source>To an officer of this squad</source>
        <translation>改派给本大队民警</translation>
    </message>
    <message>
        <source>To another squad</source>
        <translation>改派给其他大队</translation>
    </message>
    <message>
        <source>Required, e.g. officer on leave</source>
        <translation>必填，例如：民警请假</translation>
    </message>
    <message>
        <source>Reassign</source>
        <translation>改派</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Choose where to reassign to.</source>
        <translation>请选择改派对象。</translation>
    </message>
    <message>
        <source>The database could not be reached. Try again.</source>
        <translation>无法连接数据库，请重试。</translation>
    </message>
</context>
<context>
    <name>SchedulesDialog</name>
    <message>
        <source>Schedules and capacity</source>
        <translation>排班与容量</translation>
    </message>
    <message>
        <source>Squad</source>
        <translation>大队</translation>
    </message>
    <message>
        <source>Weekday</source>
        <translation>星期</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>End</source>
        <translation>结束</translation>
    </message>
    <message>
        <source>Slot (min)</source>
        <translation>时段（分钟）</translation>
    </message>
    <message>
        <source>Capacity per slot</source>
        <translation>每时段可约人数</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>Slot length</source>
        <translation>时段长度</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>新增</translation>
    </message>
    <message>
        <source>Save changes</source>
        <translation>保存修改</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Schedule saved.</source>
        <translation>时段已保存。</translation>
    </message>
    <message>
        <source>Schedule added.</source>
        <translation>时段已新增。</translation>
    </message>
    <message>
        <source>Schedule removed.</source>
        <translation>时段已删除。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Saved to {path}. Devices apply from the next call; other changes take effect after a restart.</source>
        <translation>保存到 {path}。设备设置从下一次视频通话起生效，其他设置重启后生效。</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <source>Test card (no camera)</source>
        <translation>测试画面（不使用摄像头）</translation>
    </message>
    <message>
        <source>Test tone (no microphone)</source>
        <translation>测试音（不使用麦克风）</translation>
    </message>
    <message>
        <source>No sound</source>
        <translation>不播放声音</translation>
    </message>
    <message>
        <source>none found</source>
        <translation>未检测到</translation>
    </message>
    <message>
        <source>{device} (not connected)</source>
        <translation>{device}（未连接）</translation>
    </message>
    <message>
        <source>Could not play on {device}: {error}</source>
        <translation>无法在 {device} 上播放：{error}</translation>
    </message>
    <message>
        <source>Could not write {path}: {error}</source>
        <translation>无法写入 {path}：{error}</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>Empty: the SQLite file in the data directory</source>
        <translation>留空：使用数据目录中的 SQLite 文件</translation>
    </message>
    <message>
        <source>A SQLAlchemy URL, e.g. postgresql+psycopg://officer@db.example/console?sslmode=verify-full. Never put a password here: use the OFFICER_CONSOLE_DATABASE_URL environment variable or the PostgreSQL password file. Takes effect after a restart.</source>
        <translation>SQLAlchemy 数据库地址，例如 postgresql+psycopg://officer@db.example/console?sslmode=verify-full。不要在此填写密码：请使用环境变量 OFFICER_CONSOLE_DATABASE_URL 或 PostgreSQL 密码文件。重新启动后生效。</translation>
    </message>
    <message>
        <source>Citizen gateway</source>
        <translation>群众端网关</translation>
    </message>
    <message>
        <source>Gateway URL</source>
        <translation>网关地址</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>安全</translation>
    </message>
    <message>
        <source>Lock after inactivity</source>
        <translation>无操作自动锁定</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>Require a one-time code (TOTP) for every sign-in at this workstation</source>
        <translation>本工作站所有登录都必须输入动态口令（TOTP）</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>麦克风</translation>
    </message>
    <message>
        <source>Input level</source>
        <translation>输入音量</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>扬声器</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>试听</translation>
    </message>
    <message>
        <source>Used from the next video call on. Without a device the call still runs: a test card instead of the camera, silence instead of the microphone.</source>
        <translation>从下一次视频通话起使用。没有设备时通话照常进行：摄像头由测试画面代替，麦克风由静音代替。</translation>
    </message>
</context>
<context>
    <name>UsersDialog</name>
    <message>
        <source>Users</source>
        <translation>用户管理</translation>
    </message>
    <message>
        <source>Police number</source>
        <translation>警号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Squad</source>
        <translation>大队</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>One-time code</source>
        <translation>动态口令</translation>
    </message>
    <message>
        <source>Selected account</source>
        <translation>选中的账号</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Change role</source>
        <translation>修改角色</translation>
    </message>
    <message>
        <source>New password (at least 8 characters)</source>
        <translation>新密码（至少 8 位）</translation>
    </message>
    <message>
        <source>Reset password</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <source>Require a one-time code at sign-in</source>
        <translation>登录时必须输入动态口令</translation>
    </message>
    <message>
        <source>Enrol one-time code…</source>
        <translation>绑定动态口令…</translation>
    </message>
    <message>
        <source>New account</source>
        <translation>新建账号</translation>
    </message>
    <message>
        <source>At least 8 characters, not a common password</source>
        <translation>至少 8 位，不能是常见密码</translation>
    </message>
    <message>
        <source>Create account</source>
        <translation>创建账号</translation>
    </message>
    <message>
        <source>Initial password</source>
        <translation>初始密码</translation>
    </message>
    <message>
        <source>Repeat password</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>enrolled</source>
        <translation>已绑定</translation>
    </message>
    <message>
        <source>Select an account in the list.</source>
        <translation>请在列表中选择一个账号。</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Account {number} unlocked.</source>
        <translation>账号 {number} 已解锁。</translation>
    </message>
    <message>
        <source>Account {number} disabled.</source>
        <translation>账号 {number} 已停用。</translation>
    </message>
    <message>
        <source>Account {number} enabled.</source>
        <translation>账号 {number} 已启用。</translation>
    </message>
    <message>
        <source>Role of {number} is now {role}.</source>
        <translation>{number} 的角色已改为{role}。</translation>
    </message>
    <message>
        <source>Password of {number} reset.</source>
        <translation>{number} 的密码已重置。</translation>
    </message>
    <message>
        <source>{number} must now use a one-time code.</source>
        <translation>{number} 今后登录必须输入动态口令。</translation>
    </message>
    <message>
        <source>{number} no longer needs a one-time code.</source>
        <translation>{number} 登录不再要求动态口令。</translation>
    </message>
    <message>
        <source>One-time code enrolled. It is shown only now.</source>
        <translation>动态口令已绑定。密钥只显示这一次，请立即录入身份验证器。</translation>
    </message>
    <message>
        <source>Secret: {secret}
URI (for the authenticator app): {uri}</source>
        <translation>密钥：{secret}
URI（供身份验证器 App 使用）：{uri}</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <source>Account {number} created.</source>
        <translation>账号 {number} 已创建。</translation>
    </message>
</context>
</TS>
